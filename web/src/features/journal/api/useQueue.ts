import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { applySaved } from "../model/apply";
import { enqueue } from "../model/enqueue";
import { journalQueue } from "../model/instance";
import { syncPage, type SyncOutcome } from "../model/sync";
import { pageId, type Change, type JournalPage, type PageRef, type QueuedChange } from "../model/types";
import { pageKey } from "./page";

type PageData = { page: JournalPage; kept: boolean };

/** The page's queued changes, live, and their sending: at once when asked (Save), and by
 * itself when the network comes back or the page opens with changes left from before. */
export function useQueue(ref: PageRef) {
  const id = pageId(ref);
  const queries = useQueryClient();
  const [queued, setQueued] = useState<QueuedChange[]>([]);
  const [syncing, setSyncing] = useState(false);
  const [lastOutcome, setLastOutcome] = useState<SyncOutcome | null>(null);

  useEffect(() => {
    let live = true;
    const load = () => journalQueue.list(id).then((list) => live && setQueued(list));
    void load();
    const stop = journalQueue.subscribe((page) => page === id && void load());
    return () => {
      live = false;
      stop();
    };
  }, [id]);

  const sync = useCallback(async () => {
    setSyncing(true);
    try {
      const outcome = await syncPage(journalQueue, ref, async (changes, results) => {
        const key = pageKey(ref.assignmentId, ref.periodId);
        const data = queries.getQueryData<PageData>(key);
        if (data) {
          const page = applySaved(data.page, changes, results);
          queries.setQueryData<PageData>(key, { ...data, page });
          await journalQueue.keepPage(id, page);
        }
      });
      setLastOutcome(outcome);
      if (outcome === "saved" || outcome === "troubles") {
        void queries.invalidateQueries({ queryKey: pageKey(ref.assignmentId, ref.periodId) });
      }
      return outcome;
    } finally {
      setSyncing(false);
    }
  }, [id, queries, ref]);

  useEffect(() => {
    const back = () => void sync();
    window.addEventListener("online", back);
    if (navigator.onLine) void sync();
    return () => window.removeEventListener("online", back);
  }, [sync]);

  // Shown at once, before IndexedDB has it (the list is read again when it has).
  const add = useCallback(
    (change: Change, page: JournalPage) => {
      setQueued((list) => {
        const { add: joined, drop } = enqueue(list, change, page);
        const kept = list.filter((q) => !drop.includes(q.id));
        if (!joined) return kept;
        const at = Math.max(Date.now(), ...list.map((q) => q.at + 1));
        return [...kept, { id: `local-${at}`, page: id, change: joined, status: "pending", at }];
      });
      return journalQueue.add(id, change, page);
    },
    [id],
  );

  return { queued, add, sync, syncing, lastOutcome, drop: (q: string) => journalQueue.drop(id, q), retry: (q: string, c: Change) => journalQueue.retry(id, q, c) };
}
