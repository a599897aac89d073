// What the grid shows: the page as the server sent it with the teacher's queued changes
// laid over it, cell by cell, and each student's weighted average.
import type { AttendanceCode, JournalPage, PageCell, QueuedChange, WorkType } from "./types";

export type MarkView = {
  key: string;
  value: number;
  workType: string;
  markId?: string;
  version?: number;
  /** Not on the server yet (an added mark, or a changed value). */
  unsaved: boolean;
  /** The queued change behind it, if any. */
  queued?: QueuedChange;
};

export type CellView = {
  marks: MarkView[];
  attendance: AttendanceCode | null;
  attendanceVersion: number;
  attendanceUnsaved: boolean;
  /** Queued changes of this cell the server refused or found stale. */
  troubles: QueuedChange[];
};

export function cellKey(lessonId: string, studentId: string): string {
  return `${lessonId}:${studentId}`;
}

export function cellsByKey(page: JournalPage): Map<string, PageCell> {
  return new Map(page.cells.map((cell) => [cellKey(cell.lesson_id, cell.student_id), cell]));
}

type Base = { views: Map<string, CellView>; byMark: Map<string, string> };
const bases = new WeakMap<JournalPage, Base>();

/** The cells as the server holds them, made once per page read: cells the queue does not
 * touch keep their objects, so the grid redraws only the cells that changed. */
function base(page: JournalPage): Base {
  const known = bases.get(page);
  if (known) return known;
  const views = new Map<string, CellView>();
  const byMark = new Map<string, string>();
  for (const cell of page.cells) {
    const key = cellKey(cell.lesson_id, cell.student_id);
    views.set(key, {
      marks: cell.marks.map((m) => ({
        key: m.mark_id,
        value: m.value,
        workType: m.work_type,
        markId: m.mark_id,
        version: m.version,
        unsaved: false,
      })),
      attendance: cell.attendance?.code ?? null,
      attendanceVersion: cell.attendance?.version ?? 0,
      attendanceUnsaved: false,
      troubles: [],
    });
    for (const mark of cell.marks) byMark.set(mark.mark_id, key);
  }
  const made = { views, byMark };
  bases.set(page, made);
  return made;
}

/** Each cell's view; `queue` in the order the changes were made. */
export function cellViews(page: JournalPage, queue: QueuedChange[]): Map<string, CellView> {
  const { views: held, byMark } = base(page);
  const views = new Map(held);
  const copied = new Set<string>();
  const view = (key: string): CellView => {
    if (!copied.has(key)) {
      const found = views.get(key);
      views.set(
        key,
        found
          ? { ...found, marks: [...found.marks], troubles: [...found.troubles] }
          : { marks: [], attendance: null, attendanceVersion: 0, attendanceUnsaved: false, troubles: [] },
      );
      copied.add(key);
    }
    return views.get(key)!;
  };
  for (const queued of queue) {
    const change = queued.change;
    const key =
      change.op === "change_mark" || change.op === "remove_mark"
        ? byMark.get(change.mark_id)
        : change.op === "edit_lesson"
          ? undefined
          : cellKey(change.lesson_id, change.student_id);
    if (!key) continue;
    const cell = view(key);
    if (queued.status !== "pending") {
      cell.troubles.push(queued);
      continue;
    }
    switch (change.op) {
      case "add_mark":
        cell.marks.push({
          key: queued.id,
          value: change.value,
          workType: change.work_type,
          unsaved: true,
          queued,
        });
        break;
      case "change_mark":
        cell.marks = cell.marks.map((m) =>
          m.markId === change.mark_id
            ? { ...m, value: change.value ?? m.value, workType: change.work_type ?? m.workType, unsaved: true, queued }
            : m,
        );
        break;
      case "remove_mark":
        cell.marks = cell.marks.filter((m) => m.markId !== change.mark_id);
        break;
      case "set_attendance":
        cell.attendance = change.code;
        cell.attendanceUnsaved = true;
        break;
      case "clear_attendance":
        cell.attendance = null;
        cell.attendanceUnsaved = true;
        break;
    }
  }
  return views;
}

/** The weighted average of marks (Σ value × weight / Σ weight), null without marks. Marks
 * of a work type the page does not list (deactivated since) weigh 1. */
export function weightedAverage(marks: { value: number; workType: string }[], workTypes: WorkType[]): number | null {
  const weights = new Map(workTypes.map((w) => [w.code, w.weight]));
  let sum = 0;
  let weight = 0;
  for (const mark of marks) {
    const w = weights.get(mark.workType) ?? 1;
    sum += mark.value * w;
    weight += w;
  }
  return weight === 0 ? null : sum / weight;
}

/** An average as the journal shows it: two decimals with a comma ("4,33"), or "—". */
export function formatAverage(average: number | null): string {
  if (average === null) return "—";
  return (Math.round(average * 100) / 100).toFixed(2).replace(".", ",");
}

/** "3 несохранённых изменения": Russian plural of the count. */
export function unsavedLabel(count: number): string {
  const tens = count % 100;
  const ones = count % 10;
  if (ones === 1 && tens !== 11) return `${count} несохранённое изменение`;
  if (ones >= 2 && ones <= 4 && (tens < 12 || tens > 14)) return `${count} несохранённых изменения`;
  return `${count} несохранённых изменений`;
}
