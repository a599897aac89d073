import { Link } from "react-router";
import { longDate, shortDate } from "../../lib/dates";
import { useTodayLessons, type DayOff, type YearState } from "./api/today";

/** Why there are no lessons today, in the calendar's words when it has them. */
function noLessons({ dayOff, yearState }: { dayOff: DayOff | null; yearState: YearState }): string {
  if (dayOff) {
    const until = dayOff.starts_on === dayOff.ends_on ? "" : ` (по ${shortDate(dayOff.ends_on)})`;
    return `Сегодня уроков нет: ${dayOff.name}${until}.`;
  }
  if (yearState === "ended") return "Сегодня уроков нет: учебный год окончен.";
  if (yearState === "ahead") return "Сегодня уроков нет: учебный год ещё не начался.";
  if (yearState === "none") return "Сегодня уроков нет: учебный год не открыт.";
  return "Сегодня уроков нет.";
}

/** The teacher's first screen: today's lessons, each opening its class journal. */
export function TodayPage() {
  const today = useTodayLessons();
  return (
    <section aria-labelledby="today-title">
      <h1 id="today-title">Уроки сегодня</h1>
      {today.data && <p className="muted">{longDate(today.data.date)}</p>}
      {today.isPending && <p>Загрузка расписания…</p>}
      {today.isError && (
        <p className="error" role="alert">
          Не удалось загрузить уроки. Проверьте подключение и обновите страницу.
        </p>
      )}
      {today.data && today.data.lessons.length === 0 && <p>{noLessons(today.data)}</p>}
      {today.data && today.data.lessons.length > 0 && (
        <ol className="lessons">
          {today.data.lessons.map(({ assignmentId, periodId, className, subjectName, lesson }) => (
            <li key={lesson.lesson_id} className="card lesson">
              <span className="lesson-number" aria-label="Номер урока">
                {lesson.lesson_number ?? "—"}
              </span>
              <span className="lesson-what">
                <strong>
                  {subjectName}, {className}
                </strong>
                <span className="muted">{lesson.topic ?? "Тема не указана"}</span>
              </span>
              <Link
                className="button"
                to={`/journal/${assignmentId}/${periodId}?lesson=${lesson.lesson_id}`}
                aria-label={`Открыть журнал: ${subjectName}, ${className}, урок ${lesson.lesson_number ?? ""}`}
              >
                Журнал
              </Link>
            </li>
          ))}
        </ol>
      )}
      {today.data && today.data.journals.length > 0 && (
        <>
          <h2>Мои журналы</h2>
          <ul className="lessons">
            {today.data.journals.map((j) => (
              <li key={j.assignmentId} className="card lesson">
                <span className="lesson-what">
                  <strong>
                    {j.subjectName}, {j.className}
                  </strong>
                  <span className="muted">{j.periodName}</span>
                </span>
                <Link
                  className="button"
                  to={`/journal/${j.assignmentId}/${j.periodId}`}
                  aria-label={`Открыть журнал: ${j.subjectName}, ${j.className}`}
                >
                  Журнал
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
