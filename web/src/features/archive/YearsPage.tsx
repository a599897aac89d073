import { Link } from "react-router";
import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { useArchivedYears } from "./api";
import { dayWithYear, statusLabel } from "./format";

/** The school's years in the archive, newest first: each one's state and class journals. */
export function YearsPage() {
  const years = useArchivedYears();
  if (years.isPending) return <p>Загрузка…</p>;
  if (years.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(years.error)}
      </p>
    );
  const items = years.data.items;
  return (
    <div>
      <p className="muted">
        Закрытые учебные годы: классные журналы в PDF с электронной подписью школы и данные в JSON, перечень файлов
        с контрольными суммами, подписанный ключом школы.
      </p>
      {items.length === 0 && <p>В архиве пока нет ни одного года: год попадает сюда после его закрытия.</p>}
      <ul className="stack" aria-label="Учебные годы в архиве">
        {items.map((year) => (
          <li key={year.year_id} className="card archive-year">
            <h2>
              <Link to={`/archive/years/${year.year_id}`}>Учебный год {year.name ?? year.year_id}</Link>
            </h2>
            <p className={`archive-status ${year.status}`}>{statusLabel(year)}</p>
            <dl className="facts">
              {year.starts_on && year.ends_on && (
                <>
                  <dt>Сроки</dt>
                  <dd>
                    {dayWithYear(year.starts_on)} — {dayWithYear(year.ends_on)}
                  </dd>
                </>
              )}
              {year.sealed_at && (
                <>
                  <dt>Запечатан</dt>
                  <dd>{schoolDateTime(year.sealed_at)}</dd>
                </>
              )}
              {year.status === "sealed" && (
                <>
                  <dt>Классных журналов</dt>
                  <dd>{year.class_journals}</dd>
                </>
              )}
              {year.detailed_purged_at && (
                <>
                  <dt>Журналы удалены по сроку</dt>
                  <dd>{schoolDateTime(year.detailed_purged_at)}</dd>
                </>
              )}
            </dl>
            {year.status !== "sealed" && year.last_error && (
              <p className="error">Последняя попытка не удалась; подробности — у системного администратора.</p>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
