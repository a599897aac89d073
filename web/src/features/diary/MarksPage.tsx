import { useState } from "react";
import { useSearchParams } from "react-router";
import { problemMessage } from "../../lib/problems";
import { periodFor } from "../../lib/calendar";
import { schoolToday, shortDate } from "../../lib/dates";
import { downloadReportCard, useDiaryFinals, useDiaryPeriod, useDiaryYears } from "./api";
import { useDiary } from "./DiaryLayout";
import { averageText, averageTone, periodName } from "./format";
import { DiaryProblem } from "./Problem";

type PeriodRef = { period_id: string; starts_on: string; ends_on: string };

/** The period holding today, else the last one begun (a holiday, the summer), else the
 * first. */
export function currentPeriod<T extends PeriodRef>(periods: T[], today: string): T | undefined {
  return periodFor(periods, today);
}

/** Marks by subject for a period with weighted averages and absences; the final marks. */
export function MarksPage() {
  const { studentId } = useDiary();
  const [search, setSearch] = useSearchParams();
  const years = useDiaryYears(studentId);
  const year = years.data?.years.find((y) => y.year_id === search.get("year")) ?? years.data?.years[0];
  const periods = year?.periods ?? [];
  const period =
    periods.find((p) => p.period_id === search.get("period")) ??
    currentPeriod(periods, schoolToday());
  const view = useDiaryPeriod(studentId, period?.period_id ?? null);
  const finals = useDiaryFinals(studentId, year?.year_id ?? null);

  if (years.isPending) return <p>Загрузка…</p>;
  if (years.isError) return <DiaryProblem error={years.error} />;
  if (!year || !period) return <p>Учебных периодов пока нет.</p>;

  const finalPeriods = periods.map((p) => p.period_id);
  return (
    <div>
      <div className="toolbar">
        {years.data.years.length > 1 && (
          <label className="field">
            <span>Учебный год</span>
            <select
              value={year.year_id}
              onChange={(event) => setSearch({ year: event.target.value })}
            >
              {years.data.years.map((y) => (
                <option key={y.year_id} value={y.year_id}>
                  {y.name}, {y.class_name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Период</span>
          <select
            value={period.period_id}
            onChange={(event) => setSearch({ year: year.year_id, period: event.target.value })}
          >
            {periods.map((p) => (
              <option key={p.period_id} value={p.period_id}>
                {periodName(p)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <h2>
        Оценки: {periodName(period)} ({shortDate(period.starts_on)} — {shortDate(period.ends_on)})
      </h2>
      <ReportCardDownloads studentId={studentId} periodId={period.period_id} name={periodName(period)} />
      {view.isPending && <p>Загрузка оценок…</p>}
      {view.isError && <DiaryProblem error={view.error} />}
      {view.data && view.data.subjects.length === 0 && <p>Оценок за период нет.</p>}
      {view.data && view.data.subjects.length > 0 && (
        <div className="table-wrap">
          <table className="table marks-table">
            <caption className="sr-only">Оценки по предметам, {periodName(period)}</caption>
            <thead>
              <tr>
                <th scope="col">Предмет</th>
                <th scope="col">Оценки</th>
                <th scope="col">Средний балл</th>
                <th scope="col">Пропуски</th>
                <th scope="col">Итог</th>
              </tr>
            </thead>
            <tbody>
              {view.data.subjects.map((subject) => {
                const absences = Object.entries(subject.absences)
                  .filter(([, count]) => count > 0)
                  .map(([code, count]) => `${code}: ${count}`)
                  .join(", ");
                return (
                  <tr key={subject.subject_id}>
                    <th scope="row">{subject.subject_name}</th>
                    <td>
                      {subject.marks.map((mark) => (
                        <span
                          key={mark.mark_id}
                          className="mark"
                          title={`${shortDate(mark.date)}: ${mark.work_type_name}, вес ${mark.weight}`}
                          aria-label={`${mark.value}, ${shortDate(mark.date)}, ${mark.work_type_name}, вес ${mark.weight}`}
                        >
                          {mark.value}
                          {mark.weight > 1 && <sub>×{mark.weight}</sub>}
                        </span>
                      ))}
                    </td>
                    <td className={`avg ${averageTone(subject.average) ?? ""}`}>
                      {averageText(subject.average)}
                    </td>
                    <td>{absences || "—"}</td>
                    <td className="final">{subject.final_mark ?? "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        Средний балл взвешенный: у каждого вида работ свой вес (×2, ×3 — вес больше 1).
      </p>
      <h2>Итоговые оценки, {year.name}</h2>
      {finals.isPending && <p>Загрузка…</p>}
      {finals.isError && <DiaryProblem error={finals.error} />}
      {finals.data && finals.data.subjects.length === 0 && <p>Итоговых оценок пока нет.</p>}
      {finals.data && finals.data.subjects.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Итоговые оценки по периодам и за год</caption>
            <thead>
              <tr>
                <th scope="col">Предмет</th>
                {periods.map((p) => (
                  <th key={p.period_id} scope="col">
                    {periodName(p)}
                  </th>
                ))}
                <th scope="col">Год</th>
              </tr>
            </thead>
            <tbody>
              {finals.data.subjects.map((subject) => (
                <tr key={subject.subject_id}>
                  <th scope="row">{subject.subject_name}</th>
                  {[...finalPeriods, null].map((periodId) => (
                    <td key={periodId ?? "year"} className="final">
                      {subject.finals.find((f) => f.period_id === periodId)?.value ?? "—"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** The period's report card (табель) from reporting, as PDF or Excel. */
function ReportCardDownloads({ studentId, periodId, name }: { studentId: string; periodId: string; name: string }) {
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const download = (format: "pdf" | "xlsx") => {
    setFailure(null);
    setBusy(true);
    downloadReportCard(studentId, periodId, format, `Табель, ${name}.${format}`)
      .catch((error) => setFailure(problemMessage(error)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="toolbar">
      <span>Табель за период:</span>
      <button type="button" disabled={busy} aria-label={`Табель за период, PDF`} onClick={() => download("pdf")}>
        PDF
      </button>
      <button type="button" disabled={busy} aria-label={`Табель за период, Excel`} onClick={() => download("xlsx")}>
        Excel
      </button>
      {failure && (
        <p className="error" role="alert">
          Табель не скачан: {failure}
        </p>
      )}
    </div>
  );
}
