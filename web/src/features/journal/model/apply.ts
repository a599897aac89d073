// A save's answer laid onto the page the grid holds, so that the saved changes stay on
// screen (and in the kept copy for offline) without waiting for the page to be read again.
import { cellKey } from "./view";
import type { Change, JournalPage, PageCell } from "./types";

type Result = Record<string, unknown>;

export function applySaved(page: JournalPage, changes: Change[], results: { index: number; result: Result }[]): JournalPage {
  const cells = new Map(page.cells.map((c) => [cellKey(c.lesson_id, c.student_id), { ...c, marks: [...c.marks] }]));
  const lessons = page.lessons.map((l) => ({ ...l }));
  const cell = (lessonId: string, studentId: string): PageCell => {
    const key = cellKey(lessonId, studentId);
    let found = cells.get(key);
    if (!found) {
      found = { lesson_id: lessonId, student_id: studentId, marks: [], attendance: null };
      cells.set(key, found);
    }
    return found;
  };
  for (const { index, result } of results) {
    const change = changes[index];
    if (!change) continue;
    const version = typeof result.version === "number" ? result.version : 0;
    switch (change.op) {
      case "add_mark":
        cell(change.lesson_id, change.student_id).marks.push({
          mark_id: String(result.mark_id),
          value: change.value,
          work_type: change.work_type,
          version,
        });
        break;
      case "change_mark":
      case "remove_mark":
        for (const c of cells.values()) {
          const at = c.marks.findIndex((m) => m.mark_id === change.mark_id);
          if (at < 0) continue;
          if (change.op === "remove_mark") c.marks.splice(at, 1);
          else {
            const mark = c.marks[at]!;
            c.marks[at] = { ...mark, value: change.value ?? mark.value, work_type: change.work_type ?? mark.work_type, version };
          }
        }
        break;
      case "set_attendance":
        cell(change.lesson_id, change.student_id).attendance = { code: change.code, version };
        break;
      case "clear_attendance":
        cell(change.lesson_id, change.student_id).attendance = { code: null, version };
        break;
      case "edit_lesson": {
        const lesson = lessons.find((l) => l.lesson_id === change.lesson_id);
        if (!lesson) break;
        if ("topic" in result) lesson.topic = (result.topic as string | null) ?? null;
        if ("plan_item_id" in result) lesson.plan_item_id = (result.plan_item_id as string | null) ?? null;
        if (change.homework !== undefined) {
          lesson.homework = change.homework
            ? {
                text: change.homework.text,
                due_on: (result.homework_due_on as string | null) ?? change.homework.due_on ?? null,
                attachments: lesson.homework?.attachments ?? 0,
              }
            : null;
        }
        lesson.version = version || lesson.version;
        break;
      }
    }
  }
  return { ...page, lessons, cells: [...cells.values()] };
}
