import { useSearchParams } from "react-router";
import { diaryDay } from "../../lib/calendar";
import { longDate, schoolToday, shortDate } from "../../lib/dates";
import { addDays, shiftWeek, weekOf } from "../../lib/week";
import { useDiaryWeek, useDiaryYears, useHomeworkDue } from "./api";
import { Attachments } from "./Attachments";
import { useDiary } from "./DiaryLayout";
import { attendanceText } from "./format";
import { DiaryProblem } from "./Problem";

/** The diary week: each day's lessons in order with topic, homework, marks, attendance. */
export function WeekPage() {
  const { studentId } = useDiary();
  const [search, setSearch] = useSearchParams();
  const years = useDiaryYears(studentId);
  const asked = search.get("week");
  // With no week asked for, the calendar first: in a holiday or the summer the diary opens
  // on the last week of lessons, not on an empty one (lib/calendar).
  const periods = years.data?.years.flatMap((y) => y.periods) ?? [];
  const waiting = !asked && years.isPending;
  const today = schoolToday();
  const opening = diaryDay(periods, today);
  const week = weekOf(asked ?? opening);
  const diary = useDiaryWeek(studentId, week, !waiting);
  // homework given this week is due up to two weeks later: its files, by lesson
  const homework = useHomeworkDue(studentId, week.from, addDays(week.to, 14));
  const files = new Map(
    (homework.data?.items ?? []).map((item) => [item.lesson_id, item.attachments]),
  );
  const go = (weeks: number) => setSearch({ week: shiftWeek(week, weeks).from });
  const days = (diary.data?.days ?? []).filter((day) => day.lessons.length > 0);

  return (
    <div aria-labelledby="week-title">
      <h2 id="week-title">
        Неделя {shortDate(week.from)} — {shortDate(week.to)}
      </h2>
      <div className="toolbar week-nav">
        {/* the visible words begin the accessible names (WCAG 2.5.3, label in name) */}
        <button type="button" onClick={() => go(-1)} aria-label="Предыдущая неделя">
          <span aria-hidden="true">← </span>Предыдущая
        </button>
        <button type="button" onClick={() => setSearch({})} aria-label="Текущая неделя">
          Текущая
        </button>
        <button type="button" onClick={() => go(1)} aria-label="Следующая неделя">
          Следующая<span aria-hidden="true"> →</span>
        </button>
      </div>
      {(waiting || diary.isPending) && <p>Загрузка дневника…</p>}
      {!asked && !waiting && opening !== today && (
        <p className="muted" data-testid="diary-break">
          Сейчас каникулы: показана последняя неделя с уроками.
        </p>
      )}
      {diary.isError && <DiaryProblem error={diary.error} />}
      {diary.data && days.length === 0 && <p>На этой неделе уроков нет.</p>}
      {days.map((day) => (
        <section key={day.date} className="card diary-day" aria-labelledby={`day-${day.date}`}>
          <h3 id={`day-${day.date}`}>{longDate(day.date)}</h3>
          <ol className="diary-lessons">
            {day.lessons.map((lesson) => {
              const attendance = attendanceText(lesson.attendance);
              return (
                <li
                  key={lesson.lesson_id}
                  className={lesson.cancelled ? "diary-lesson cancelled" : "diary-lesson"}
                  data-testid="diary-lesson"
                >
                  <span className="lesson-number" aria-label="Номер урока">
                    {lesson.lesson_number ?? "—"}
                  </span>
                  <div className="diary-lesson-body">
                    <strong>{lesson.subject_name}</strong>
                    {lesson.cancelled && <span className="badge">Урок отменён</span>}
                    <div>
                      <span className="muted">Тема: </span>
                      {lesson.topic ?? "не указана"}
                    </div>
                    {lesson.homework && (
                      <div>
                        <span className="muted">Домашнее задание: </span>
                        {lesson.homework}
                      </div>
                    )}
                    <Attachments files={files.get(lesson.lesson_id) ?? []} />
                  </div>
                  <div className="diary-lesson-marks">
                    {lesson.marks.map((mark) => (
                      <span
                        key={mark.mark_id}
                        className="mark"
                        title={`${mark.work_type_name}, вес ${mark.weight}`}
                        aria-label={`Оценка ${mark.value}, ${mark.work_type_name}, вес ${mark.weight}`}
                      >
                        {mark.value}
                        <small>{mark.work_type_name}</small>
                      </span>
                    ))}
                    {attendance && (
                      <span className="att" aria-label={`Посещаемость: ${attendance}`}>
                        {attendance}
                      </span>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        </section>
      ))}
    </div>
  );
}
