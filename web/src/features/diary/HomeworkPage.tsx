import { longDate, schoolToday } from "../../lib/dates";
import { addDays } from "../../lib/week";
import { useHomeworkDue } from "./api";
import { Attachments } from "./Attachments";
import { useDiary } from "./DiaryLayout";
import { DiaryProblem } from "./Problem";

/** Homework due from today over the coming two weeks, by due date. */
export function HomeworkPage() {
  const { studentId } = useDiary();
  const from = schoolToday();
  const to = addDays(from, 14);
  const homework = useHomeworkDue(studentId, from, to);
  return (
    <div>
      <h2>Домашние задания на две недели</h2>
      {homework.isPending && <p>Загрузка заданий…</p>}
      {homework.isError && <DiaryProblem error={homework.error} />}
      {homework.data && homework.data.items.length === 0 && <p>Заданий на эти дни нет.</p>}
      {homework.data && homework.data.items.length > 0 && (
        <ul className="stack">
          {homework.data.items.map((item) => (
            <li key={item.lesson_id} className="card">
              <strong>{item.subject_name}</strong>{" "}
              <span className="muted">к {longDate(item.due_on)}</span>
              <p>{item.text}</p>
              <p className="muted">Задано {longDate(item.lesson_date)}</p>
              <Attachments files={item.attachments} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
