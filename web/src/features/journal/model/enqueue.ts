// How a new change joins the queue: it replaces the teacher's earlier unsent change of the
// same mark, attendance cell or lesson (the save refuses two changes of one target), and a
// change back to what the server holds leaves nothing to send. Changes already sent in a
// save that has not been answered are never touched: that save may be repeated only as it
// was (its idempotency key).
import type { Change, JournalPage, QueuedChange } from "./types";

export function target(change: Change): string | null {
  switch (change.op) {
    case "add_mark":
      return null; // several new marks in one cell are fine
    case "change_mark":
    case "remove_mark":
      return `mark:${change.mark_id}`;
    case "set_attendance":
    case "clear_attendance":
      return `cell:${change.lesson_id}:${change.student_id}`;
    case "edit_lesson":
      return `lesson:${change.lesson_id}`;
  }
}

export type Enqueued = { add: Change | null; drop: string[] };

function serverAttendance(page: JournalPage, lessonId: string, studentId: string) {
  return page.cells.find((c) => c.lesson_id === lessonId && c.student_id === studentId)?.attendance ?? null;
}

export function enqueue(queue: QueuedChange[], change: Change, page: JournalPage): Enqueued {
  const key = target(change);
  if (key === null) return { add: change, drop: [] };
  const earlier = queue.filter((q) => !q.batch && target(q.change) === key);
  const drop = earlier.map((q) => q.id);
  const pendingEarlier = earlier.filter((q) => q.status === "pending");
  if (change.op === "set_attendance" || change.op === "clear_attendance") {
    const held = serverAttendance(page, change.lesson_id, change.student_id);
    const heldCode = held?.code ?? null;
    const wanted = change.op === "set_attendance" ? change.code : null;
    const inFlight = queue.some((q) => q.batch && target(q.change) === key);
    if (wanted === heldCode && !inFlight) return { add: null, drop };
  }
  if (change.op === "edit_lesson") {
    const merged = pendingEarlier.reduce<Change>(
      (sum, q) => (q.change.op === "edit_lesson" ? { ...q.change, ...sum, version: q.change.version } : sum),
      change,
    );
    return { add: merged, drop };
  }
  if (change.op === "change_mark" || change.op === "remove_mark") {
    const version = pendingEarlier[0]?.change;
    if (version && (version.op === "change_mark" || version.op === "remove_mark")) {
      return { add: { ...change, version: version.version }, drop };
    }
  }
  return { add: change, drop };
}
