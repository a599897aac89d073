// Sending the queue: the page's pending changes in one save (all or nothing) with an
// Idempotency-Key kept with them, so that a save whose answer was lost is repeated as it
// was and applied once.
import { journal } from "../../../lib/api";
import { ServerAway, SessionEnded } from "../../../lib/session";
import type { JournalQueue } from "./queue";
import type { Change, PageRef, QueuedChange } from "./types";
import { pageId } from "./types";

export type SyncOutcome = "saved" | "nothing" | "troubles" | "offline";

type Problem = {
  type?: string;
  title?: string;
  detail?: string;
  conflicts?: { index: number; current?: unknown }[];
  refused?: { index: number; type?: string; title?: string; detail?: string }[];
  errors?: { loc?: (string | number)[]; msg?: string }[];
};

function troublesOf(problem: Problem, count: number) {
  const troubles = new Map<number, { status: "conflict" | "refused"; current?: unknown; problem?: QueuedChange["problem"] }>();
  for (const conflict of problem.conflicts ?? []) {
    troubles.set(conflict.index, { status: "conflict", current: conflict.current });
  }
  for (const refusal of problem.refused ?? []) {
    troubles.set(refusal.index, { status: "refused", problem: { type: refusal.type, title: refusal.title, detail: refusal.detail } });
  }
  for (const error of problem.errors ?? []) {
    const index = error.loc?.[0] === "body" && error.loc[1] === "changes" ? error.loc[2] : undefined;
    if (typeof index === "number") troubles.set(index, { status: "refused", problem: { detail: error.msg } });
  }
  if (troubles.size === 0) {
    // refused as a whole (the period closed, the assignment gone): every change says so
    for (let index = 0; index < count; index += 1) {
      troubles.set(index, { status: "refused", problem: { type: problem.type, title: problem.title, detail: problem.detail } });
    }
  }
  return troubles;
}

const inFlight = new Map<string, Promise<SyncOutcome>>();

/** Send the page's queue; one send at a time per page. */
export function syncPage(
  queue: JournalQueue,
  ref: PageRef,
  onSaved?: (changes: Change[], results: { index: number; result: Record<string, unknown> }[]) => Promise<void> | void,
): Promise<SyncOutcome> {
  const page = pageId(ref);
  const running = inFlight.get(page);
  if (running) return running;
  const run = (async (): Promise<SyncOutcome> => {
    let outcome: SyncOutcome = "nothing";
    // a save answered leaves room for changes made meanwhile: send those too
    for (let round = 0; round < 5; round += 1) {
      const batch = await queue.batch(page);
      if (!batch) return outcome;
      let result;
      try {
        result = await journal.POST("/api/journal/assignments/{assignment_id}/periods/{period_id}/page", {
          params: {
            path: { assignment_id: ref.assignmentId, period_id: ref.periodId },
            header: { "Idempotency-Key": batch.key },
          },
          body: { changes: batch.entries.map((entry) => entry.change) },
        });
      } catch (error) {
        if (error instanceof ServerAway || error instanceof SessionEnded) return "offline";
        if (error instanceof TypeError) return "offline";
        throw error;
      }
      if (result.data) {
        await onSaved?.(batch.entries.map((entry) => entry.change), result.data.saved);
        await queue.saved(page, batch.key, result.data.saved);
        outcome = "saved";
        continue;
      }
      const status = result.response.status;
      if (status >= 500 || status === 401 || status === 429) return "offline";
      await queue.refused(page, batch.key, troublesOf((result.error ?? {}) as Problem, batch.entries.length));
      return "troubles";
    }
    return outcome;
  })().finally(() => inFlight.delete(page));
  inFlight.set(page, run);
  return run;
}
