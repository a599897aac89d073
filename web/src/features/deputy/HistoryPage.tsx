import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { journal, unwrap } from "../../lib/api";
import { schoolToday, shortDate } from "../../lib/dates";
import { problemMessage } from "../../lib/problems";
import { addDays } from "../../lib/week";
import { schoolDateTime } from "../../lib/when";

const PAGE = 50;

/** The school's changes and removals of marks made in a range of days, newest first. */
export function HistoryPage() {
  const [search, setSearch] = useSearchParams();
  const to = search.get("to") ?? schoolToday();
  const from = search.get("from") ?? addDays(to, -7);
  const offset = Number(search.get("offset") ?? 0) || 0;
  const changes = useQuery({
    queryKey: ["deputy", "mark-changes", from, to, offset],
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/mark-changes", {
          params: { query: { from, to, limit: PAGE, offset } },
        }),
      ),
  });
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">История исправлений оценок</h1>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          setSearch({ from: String(form.get("from")), to: String(form.get("to")) });
        }}
      >
        <label className="field">
          <span>С</span>
          <input type="date" name="from" defaultValue={from} />
        </label>
        <label className="field">
          <span>По</span>
          <input type="date" name="to" defaultValue={to} />
        </label>
        <button type="submit">Показать</button>
      </form>
      {changes.isPending && <p>Загрузка…</p>}
      {changes.isError && (
        <p className="error" role="alert">
          {problemMessage(changes.error)}
        </p>
      )}
      {changes.data && changes.data.items.length === 0 && <p>Исправлений за эти дни нет.</p>}
      {changes.data && changes.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Исправления оценок</caption>
            <thead>
              <tr>
                <th scope="col">Когда</th>
                <th scope="col">Урок</th>
                <th scope="col">Было</th>
                <th scope="col">Стало</th>
                <th scope="col">Причина</th>
              </tr>
            </thead>
            <tbody>
              {changes.data.items.map((item) => (
                <tr key={`${item.mark_id}-${item.version}`}>
                  <td>{schoolDateTime(item.changed_at)}</td>
                  <td>{shortDate(item.lesson_date)}</td>
                  <td>
                    {item.old_value ?? "—"} {item.old_work_type && <span className="muted">({item.old_work_type})</span>}
                  </td>
                  <td>
                    {item.new_value ?? "удалена"}{" "}
                    {item.new_work_type && <span className="muted">({item.new_work_type})</span>}
                  </td>
                  <td>{item.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Всего: {changes.data.total}</p>
          <div className="toolbar">
            {offset > 0 && (
              <button type="button" onClick={() => setSearch({ from, to, offset: String(Math.max(0, offset - PAGE)) })}>
                Новее
              </button>
            )}
            {offset + PAGE < changes.data.total && (
              <button type="button" onClick={() => setSearch({ from, to, offset: String(offset + PAGE) })}>
                Старее
              </button>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
