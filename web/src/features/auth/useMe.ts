import { useQuery } from "@tanstack/react-query";
import { auth, unwrap, type AuthSchemas } from "../../lib/api";

export type Me = AuthSchemas["schemas"]["MeOut"];

export const ME_KEY = ["auth", "me"] as const;
// Who is signed in, kept beside the refresh token so that a reload with no network still
// shows the teacher's shell and journal (nothing here is secret beyond the name).
const ME_STORE = "school.me";

function remembered(): Me | undefined {
  try {
    const text = window.sessionStorage.getItem(ME_STORE);
    return text ? (JSON.parse(text) as Me) : undefined;
  } catch {
    return undefined;
  }
}

export function forgetMe(): void {
  try {
    window.sessionStorage.removeItem(ME_STORE);
  } catch {
    // storage disabled: nothing was kept
  }
}

export function useMe(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ME_KEY,
    queryFn: async () => {
      const me = unwrap(await auth.GET("/api/auth/me"));
      try {
        window.sessionStorage.setItem(ME_STORE, JSON.stringify(me));
      } catch {
        // storage disabled: the shell needs the network after a reload
      }
      return me;
    },
    placeholderData: remembered,
    staleTime: 5 * 60_000,
  });
}

export function displayName(me: Me): string {
  const parts = [me.last_name, me.first_name, me.middle_name].filter(Boolean);
  return parts.length ? parts.join(" ") : me.login;
}
