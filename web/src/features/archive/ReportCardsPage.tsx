import { useState } from "react";
import { useOutletContext } from "react-router";
import type { Me } from "../auth/useMe";
import { problemMessage } from "../../lib/problems";
import { familyStudents, isFamily } from "./access";
import { useReportCard, useReportCardYears } from "./api";
import { reportCardTable } from "./format";
import "./archive.css";

/** A student's (or each of a parent's children's) report cards of archived years: the
 * final marks the sealed year's summary holds, as the school issued them. */
export function ReportCardsPage() {
  const me = useOutletContext<Me | undefined>();
  if (!me) return <p>Загрузка…</p>;
  if (!isFamily(me.roles))
    return (
      <section aria-labelledby="no-access-title">
        <h1 id="no-access-title">Нет доступа</h1>
        <p role="alert">Табели прошлых лет видят ученик и его родители.</p>
      </section>
    );
  const students = familyStudents(me);
  return (
    <section aria-labelledby="report-cards-title" className="archive">
      <h1 id="report-cards-title">Табели прошлых лет</h1>
      <p className="muted">Итоговые отметки из архива школы за закрытые учебные годы.</p>
      {students.length === 0 && <p>Табелей, доступных вам, нет.</p>}
      {students.map((studentId) => (
        <StudentCards key={studentId} studentId={studentId} />
      ))}
    </section>
  );
}

function StudentCards({ studentId }: { studentId: string }) {
  const years = useReportCardYears(studentId);
  const [open, setOpen] = useState<string | null>(null);
  if (years.isPending) return <p>Загрузка…</p>;
  if (years.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(years.error)}
      </p>
    );
  const name = [years.data.last_name, years.data.first_name].filter(Boolean).join(" ");
  const selected = open ?? years.data.items[0]?.year_id ?? null;
  return (
    <section className="archive-section" aria-label={name ? `Табели: ${name}` : "Табели"}>
      {name && <h2>{name}</h2>}
      {years.data.items.length === 0 && <p>В архиве пока нет закрытых учебных годов с табелем.</p>}
      {years.data.items.length > 0 && (
        <div className="tabs" role="group" aria-label="Учебный год">
          {years.data.items.map((year) => (
            <button
              key={year.year_id}
              type="button"
              className={`tab-button${year.year_id === selected ? " active" : ""}`}
              aria-pressed={year.year_id === selected}
              onClick={() => setOpen(year.year_id)}
            >
              {year.year_name ?? "Год"}, {year.class_name} класс
            </button>
          ))}
        </div>
      )}
      {selected && <Card yearId={selected} studentId={studentId} />}
    </section>
  );
}

function Card({ yearId, studentId }: { yearId: string; studentId: string }) {
  const card = useReportCard(yearId, studentId);
  if (card.isPending) return <p>Загрузка…</p>;
  if (card.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(card.error)}
      </p>
    );
  const table = reportCardTable(card.data);
  if (table.rows.length === 0) return <p>Итоговых отметок в этом году нет.</p>;
  return (
    <div className="table-wrap">
      <table className="table report-card">
        <caption>
          Табель за {card.data.year_name} учебный год, {card.data.class_name} класс
        </caption>
        <thead>
          <tr>
            <th scope="col">Предмет</th>
            {table.columns.map((column) => (
              <th key={column} scope="col" className="period-mark">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.subject}>
              <th scope="row">{row.subject}</th>
              {row.marks.map((mark, index) => (
                <td key={table.columns[index]} className="period-mark">
                  {mark}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
