import { FINAL_VALUES, type FinalsRow } from "../api/finals";

/** A student's final mark for the period, with the suggested value beside it. */
export function FinalCell(props: {
  row: FinalsRow | null;
  name: string;
  editable: boolean;
  onSet: (row: FinalsRow, value: string) => void;
}) {
  const { row } = props;
  if (!row) return <span className="muted">—</span>;
  const value = row.final.value === null || row.final.value === undefined ? "" : String(row.final.value);
  return (
    <span className="final-cell">
      {props.editable ? (
        <select
          aria-label={`Итоговая отметка: ${props.name}`}
          value={value}
          onChange={(event) => props.onSet(row, event.target.value)}
        >
          <option value="" disabled={value !== ""}>
            —
          </option>
          {FINAL_VALUES.map((v) => (
            <option key={String(v)} value={String(v)}>
              {v}
            </option>
          ))}
        </select>
      ) : (
        <strong>{value || "—"}</strong>
      )}
      <span className={`suggested${row.differs_from_suggestion ? " differs" : ""}`} title="Предложено по среднему взвешенному">
        {row.suggested === null ? "н/а?" : `предл. ${row.suggested}`}
      </span>
    </span>
  );
}
