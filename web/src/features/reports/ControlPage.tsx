import { Link, useSearchParams } from "react-router";
import { schoolToday, shortDate } from "../../lib/dates";
import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { FILES, useJournalControl, type ControlQuery } from "./api";
import { Downloads } from "./Downloads";
import { controlFindings, type ControlReport, type ControlRow, type Finding } from "./findings";
import { monthLabel, shiftMonth } from "./format";
import { journalHref } from "./links";
import { useReports } from "./ReportsLayout";
import { hasRole } from "../../app/roles";
import { ADMINISTRATION } from "./access";

/** The monthly control of journal keeping, per assignment, each finding linked to the
 * journal page it is about. The deputy and the director see the school; a class teacher
 * their class; a teacher their own assignments (the server decides). */
export function ControlPage() {
  const { roles } = useReports();
  const [search, setSearch] = useSearchParams();
  const month = /^\d{4}-\d{2}$/.test(search.get("month") ?? "") ? (search.get("month") as string) : schoolToday().slice(0, 7);
  const classId = search.get("class") ?? "";
  const onlyFindings = search.get("only") === "findings";
  const control = useJournalControl({ month });
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    setSearch(next);
  };
  const classes = [
    ...new Map((control.data?.assignments ?? []).map((r) => [r.class_id, r.class_name ?? "—"])).entries(),
  ];
  const whole = hasRole(roles, ADMINISTRATION);
  return (
    <div>
      <h2>Контроль ведения журналов: {monthLabel(month)}</h2>
      <p className="muted">
        {whole ? "Все журналы школы." : "Ваши журналы и журналы вашего класса."} Каждое замечание — ссылка на страницу
        журнала, к которой оно относится.
      </p>
      <div className="toolbar">
        <button type="button" onClick={() => set({ month: shiftMonth(month, -1) })}>
          Предыдущий месяц
        </button>
        <label className="field">
          <span>Месяц</span>
          <input
            type="month"
            value={month}
            onChange={(e) => /^\d{4}-\d{2}$/.test(e.target.value) && set({ month: e.target.value })}
          />
        </label>
        <button type="button" onClick={() => set({ month: shiftMonth(month, 1) })}>
          Следующий месяц
        </button>
        {classes.length > 1 && (
          <label className="field">
            <span>Класс</span>
            <select value={classId} onChange={(e) => set({ class: e.target.value })}>
              <option value="">Все классы</option>
              {classes.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
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
      {control.isPending && <p>Загрузка…</p>}
      {control.isError && (
        <p className="error" role="alert">
          {problemMessage(control.error)}
        </p>
      )}
      {control.data && (
        <Control
          report={control.data}
          query={{ month, ...(classId ? { class_id: classId } : {}) }}
          shown={(row) =>
            (!classId || row.class_id === classId) &&
            (!onlyFindings || controlFindings(row, control.data).length > 0)
          }
        />
      )}
    </div>
  );
}

function Control({
  report,
  query,
  shown,
}: {
  report: ControlReport;
  query: ControlQuery;
  shown: (row: ControlRow) => boolean;
}) {
  const rows = report.assignments.filter(shown);
  return (
    <>
      <Downloads title={`Контроль журналов, ${monthLabel(report.month)}`} request={FILES.journalControl(query)} />
      <p className="muted">
        {shortDate(report.starts_on)} — {shortDate(report.ends_on)}. Поздней считается отметка, выставленная позже{" "}
        {report.late_entry_days} дн. после урока; минимум отметок — {report.min_marks}.
      </p>
      <p>
        Журналов: {rows.length}
        {rows.length !== report.assignments.length && ` из ${report.assignments.length}`}.
      </p>
      {rows.length === 0 && <p>Журналов с такими условиями нет.</p>}
      {rows.length > 0 && (
        <>
          <div className="table-wrap report-table">
            <table className="table" data-testid="control-table">
              <caption className="sr-only">Контроль ведения журналов по предметам</caption>
              <thead>
                <tr>
                  <th scope="col">Класс, предмет</th>
                  <th scope="col">Учитель</th>
                  <th scope="col">Уроков</th>
                  <th scope="col">Без темы</th>
                  <th scope="col">Без ДЗ</th>
                  <th scope="col">Поздних отметок</th>
                  <th scope="col">Мало отметок</th>
                  <th scope="col">Последняя запись</th>
                  <th scope="col" className="findings-column">
                    Замечания
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.assignment_id}>
                    <th scope="row">
                      <JournalLink row={row} />
                    </th>
                    <td>{row.teacher_name ?? "—"}</td>
                    <td>{row.lessons_held}</td>
                    <td>{row.lessons_without_topic}</td>
                    <td>{row.lessons_without_homework}</td>
                    <td>{row.late_marks}</td>
                    <td>{row.marks_given ? row.students_below_minimum.length : "без отметок"}</td>
                    <td>{row.last_entry_at ? schoolDateTime(row.last_entry_at) : "—"}</td>
                    <td>
                      <Findings row={row} findings={controlFindings(row, report)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul className="report-cards" aria-label="Журналы">
            {rows.map((row) => (
              <li key={row.assignment_id}>
                <h3>
                  <JournalLink row={row} />
                </h3>
                <p className="muted">
                  {row.teacher_name ?? "—"}; уроков: {row.lessons_held}; последняя запись:{" "}
                  {row.last_entry_at ? schoolDateTime(row.last_entry_at) : "—"}
                </p>
                <Findings row={row} findings={controlFindings(row, report)} />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function rowName(row: Pick<ControlRow, "class_name" | "subject_name">): string {
  return `${row.class_name ?? "—"}, ${row.subject_name ?? "предмет"}`;
}

function JournalLink({ row }: { row: ControlRow }) {
  if (!row.journal_period_id) return <>{rowName(row)}</>;
  return (
    <Link to={journalHref(row.assignment_id, row.journal_period_id)} aria-label={`Журнал: ${rowName(row)}`}>
      {rowName(row)}
    </Link>
  );
}

function Findings({ row, findings }: { row: ControlRow; findings: Finding[] }) {
  if (findings.length === 0) return <span className="clean">Замечаний нет</span>;
  return (
    <ul className="findings" aria-label={`Замечания: ${rowName(row)}`}>
      {findings.map((finding) => (
        <li key={finding.code} data-finding={finding.code}>
          {finding.href ? (
            <Link to={finding.href} aria-label={`${finding.text} — ${rowName(row)}, открыть журнал`}>
              {finding.text}
            </Link>
          ) : (
            finding.text
          )}
          {finding.dates && finding.dates.length > 0 && (
            <span className="finding-dates">
              {": "}
              {finding.dates.map(({ date, href }) =>
                href ? (
                  <Link key={date} to={href} aria-label={`${shortDate(date)}, ${rowName(row)}: открыть журнал`}>
                    {shortDate(date)}
                  </Link>
                ) : (
                  <span key={date}>{shortDate(date)} </span>
                ),
              )}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
