import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { FILES, useSnapshots } from "./api";
import { Downloads } from "./Downloads";

/** The reports produced on schedule (weekly activity, monthly control, a period's
 * results), as they were when produced, in every format. */
export function SnapshotsPage() {
  const snapshots = useSnapshots(true);
  return (
    <div>
      <h2>Готовые отчёты</h2>
      <p className="muted">
        Отчёты, составленные по расписанию: активность — по понедельникам, контроль журналов — в конце месяца, итоги —
        при закрытии периода.
      </p>
      {snapshots.isPending && <p>Загрузка…</p>}
      {snapshots.isError && (
        <p className="error" role="alert">
          {problemMessage(snapshots.error)}
        </p>
      )}
      {snapshots.data && snapshots.data.items.length === 0 && <p>Готовых отчётов пока нет.</p>}
      {snapshots.data && snapshots.data.items.length > 0 && (
        <ul className="stack" aria-label="Готовые отчёты">
          {snapshots.data.items.map((item) => (
            <li key={item.report_id} className="card">
              <h3>{item.title}</h3>
              <p className="muted">Составлен {schoolDateTime(item.created_at)}</p>
              <Downloads title={item.title} request={FILES.snapshot(item.report_id)} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
