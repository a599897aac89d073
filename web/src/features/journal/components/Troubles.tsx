import { shortDate } from "../../../lib/dates";
import { studentName } from "../model/roster";
import type { Change, JournalPage, QueuedChange } from "../model/types";

function what(change: Change): string {
  switch (change.op) {
    case "add_mark":
      return `отметка ${change.value}`;
    case "change_mark":
      return `исправление на ${change.value ?? "—"}`;
    case "remove_mark":
      return "удаление отметки";
    case "set_attendance":
      return change.code;
    case "clear_attendance":
      return "снять отметку о посещении";
    case "edit_lesson":
      return "тема и домашнее задание";
  }
}

function serverHolds(current: unknown): string {
  if (!current || typeof current !== "object") return "изменено";
  const c = current as Record<string, unknown>;
  if ("code" in c) return c.code ? String(c.code) : "пусто";
  if ("value" in c) return c.removed_at ? "удалена" : String(c.value);
  if ("topic" in c) return `тема «${c.topic ?? ""}»`;
  return "изменено";
}

function where(page: JournalPage, change: Change): string {
  const lessonId = "lesson_id" in change ? change.lesson_id : null;
  const studentId = "student_id" in change ? change.student_id : null;
  const markCell =
    change.op === "change_mark" || change.op === "remove_mark"
      ? page.cells.find((c) => c.marks.some((m) => m.mark_id === change.mark_id))
      : undefined;
  const lesson = page.lessons.find((l) => l.lesson_id === (lessonId ?? markCell?.lesson_id));
  const student = page.students.find((s) => s.student_id === (studentId ?? markCell?.student_id));
  return [student && studentName(student), lesson && shortDate(lesson.date)].filter(Boolean).join(", ");
}

/** The changes the server did not take, each with what it holds now: never overwritten,
 * the teacher decides. */
export function Troubles(props: {
  page: JournalPage;
  troubles: QueuedChange[];
  onKeep: (q: QueuedChange) => void;
  onDiscard: (q: QueuedChange) => void;
}) {
  if (!props.troubles.length) return null;
  return (
    <section className="card troubles" aria-labelledby="troubles-title">
      <h2 id="troubles-title">Не сохранено: требует решения</h2>
      <ul>
        {props.troubles.map((q) => (
          <li key={q.id} data-testid="trouble">
            <span>
              <strong>{where(props.page, q.change)}</strong>: ваше — {what(q.change)};{" "}
              {q.status === "conflict"
                ? `в журнале уже — ${serverHolds(q.current)} (изменено другим пользователем)`
                : `отклонено: ${q.problem?.detail ?? q.problem?.title ?? "ошибка"}`}
            </span>
            <span className="row">
              {q.status === "conflict" && (
                <button type="button" onClick={() => props.onKeep(q)}>
                  Записать моё
                </button>
              )}
              <button type="button" onClick={() => props.onDiscard(q)}>
                {q.status === "conflict" ? "Оставить как в журнале" : "Убрать"}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
