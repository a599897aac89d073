import { Link, useSearchParams } from "react-router";
import { schoolToday } from "../../lib/dates";
import { problemMessage } from "../../lib/problems";
import { FILES, useQuarterCheck, useSchoolPeriods, type QuarterCheckRow } from "./api";
import { Downloads } from "./Downloads";
import { periodLabel } from "./format";
import { journalHref } from "./links";
import { lastEndedPeriodOf } from "./scope";

/** The check at a period's end: lessons against the curriculum, the thematic plan's
 * topics, control works, finals against the weighted average; each finding a link to the
 * journal page of its assignment. */
export function QuarterCheckPage() {
  const [search, setSearch] = useSearchParams();
  const periods = useSchoolPeriods();
  const all = periods.data?.years.flatMap((y) => y.periods.map((p) => ({ ...p, year: y.name }))) ?? [];
  const today = schoolToday();
  const period =
    all.find((p) => p.period_id === search.get("period")) ??
    lastEndedPeriodOf(periods.data?.years[0]?.periods ?? [], today);
  const check = useQuarterCheck(period ? { period_id: period.period_id } : null);
  const classId = search.get("class") ?? "";
  const onlyFindings = search.get("only") === "findings";
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    setSearch(next);
  };
  if (periods.isPending) return <p>Загрузка…</p>;
  if (periods.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(periods.error)}
      </p>
    );
  if (!period) return <p>Учебных периодов пока нет.</p>;
  const query = { period_id: period.period_id, ...(classId ? { class_id: classId } : {}) };
  const rows = (check.data?.assignments ?? []).filter(
    (row) => (!classId || row.class_id === classId) && (!onlyFindings || row.findings.length > 0),
  );
  const classes = [
    ...new Map((check.data?.assignments ?? []).map((r) => [r.class_id, r.class_name ?? "—"])).entries(),
  ];
  const name = `${periodLabel(period)}, ${all.find((p) => p.period_id === period.period_id)?.year ?? ""}`;
  return (
    <div>
      <h2>Проверка по итогам периода: {name}</h2>
      <div className="toolbar">
        <label className="field">
          <span>Период</span>
          <select value={period.period_id} onChange={(e) => set({ period: e.target.value })}>
            {all.map((p) => (
              <option key={p.period_id} value={p.period_id}>
                {periodLabel(p)}, {p.year}
              </option>
            ))}
          </select>
        </label>
        {classes.length > 1 && (
          <label className="field">
            <span>Класс</span>
            <select value={classId} onChange={(e) => set({ class: e.target.value })}>
              <option value="">Все классы</option>
              {classes.map(([id, className]) => (
                <option key={id} value={id}>
                  {className}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={onlyFindings}
            onChange={(e) => set({ only: e.target.checked ? "findings" : null })}
          />{" "}
          Только журналы с замечаниями
        </label>
      </div>
      {period.ends_on >= today && (
        <p className="banner warning">
          Период ещё не закончился: проведённые уроки и темы сравниваются с планом на весь период.
        </p>
      )}
      {check.isPending && <p>Загрузка…</p>}
      {check.isError && (
        <p className="error" role="alert">
          {problemMessage(check.error)}
        </p>
      )}
      {check.data && (
        <>
          <Downloads title={`Проверка итогов, ${name}`} request={FILES.quarterCheck(query)} />
          <p className="muted">
            Учебных недель в периоде: {String(check.data.school_weeks).replace(".", ",")}. Журналов: {rows.length}
            {rows.length !== check.data.assignments.length && ` из ${check.data.assignments.length}`}.
          </p>
          {rows.length === 0 && <p>Журналов с такими условиями нет.</p>}
          <ul className="stack" aria-label="Журналы">
            {rows.map((row) => (
              <CheckCard key={row.assignment_id} row={row} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function CheckCard({ row }: { row: QuarterCheckRow }) {
  const title = `${row.class_name ?? "—"}, ${row.subject_name ?? "предмет"}`;
  const href = row.journal_period_id ? journalHref(row.assignment_id, row.journal_period_id) : null;
  const differing = row.finals.filter((f) => f.differs).length;
  return (
    <li className="card" data-assignment={row.assignment_id}>
      <h3>
        {href ? (
          <Link to={href} aria-label={`Журнал: ${title}`}>
            {title}
          </Link>
        ) : (
          title
        )}{" "}
        <span className="muted">— {row.teacher_name ?? "учитель не указан"}</span>
      </h3>
      <dl className="facts">
        <dt>Уроков проведено</dt>
        <dd>
          {row.lessons_held}
          {row.curriculum_lessons != null ? ` из ${row.curriculum_lessons} по учебному плану` : " (часы в учебном плане не заданы)"}
        </dd>
        <dt>Темы КТП</dt>
        <dd>
          {row.plan_topics_covered} из {row.plan_topics_due}
        </dd>
        {row.marks_given ? (
          <>
            <dt>Контрольные работы</dt>
            <dd>
              {row.control_works_held} из {row.control_works_planned}
            </dd>
            <dt>Итоговые отметки</dt>
            <dd>
              выставлено {row.finals.filter((f) => f.final !== null).length} из {row.finals.length}; расходятся со
              средним: {differing}
            </dd>
          </>
        ) : (
          <>
            <dt>Отметки</dt>
            <dd>класс обучается без отметок: отметки и итоговые отметки не проверяются</dd>
          </>
        )}
      </dl>
      {row.findings.length === 0 ? (
        <p className="clean">Замечаний нет</p>
      ) : (
        <ul className="findings" aria-label={`Замечания: ${title}`}>
          {row.findings.map((finding) => (
            <li key={finding.code} data-finding={finding.code}>
              {href ? (
                <Link to={href} aria-label={`${finding.detail} — ${title}, открыть журнал`}>
                  {finding.detail}
                </Link>
              ) : (
                finding.detail
              )}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
