import { QueryClient } from "@tanstack/react-query";
import { ServerAway, SessionEnded } from "./session";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      retry: (failures, error) =>
        !(error instanceof SessionEnded) && error instanceof ServerAway && failures < 3,
      refetchOnWindowFocus: false,
    },
  },
});
