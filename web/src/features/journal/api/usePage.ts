import { useQuery } from "@tanstack/react-query";
import { ServerAway } from "../../../lib/session";
import { journalQueue } from "../model/instance";
import { pageId, type PageRef } from "../model/types";
import { fetchPage, pageKey } from "./page";

/** The journal page: from the server, kept in IndexedDB; with no server, the kept copy
 * (the grid then opens and takes entries offline). */
export function usePage(ref: PageRef) {
  return useQuery({
    queryKey: pageKey(ref.assignmentId, ref.periodId),
    queryFn: async () => {
      try {
        const page = await fetchPage(ref.assignmentId, ref.periodId);
        await journalQueue.keepPage(pageId(ref), page);
        return { page, kept: false };
      } catch (error) {
        if (error instanceof ServerAway) {
          const kept = await journalQueue.keptPage(pageId(ref));
          if (kept) return { page: kept, kept: true };
        }
        throw error;
      }
    },
    networkMode: "always",
    staleTime: 10_000,
  });
}
