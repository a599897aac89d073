import { useId } from "react";
import { describeChart, layoutBars, valueText, type ChartRow, type Series } from "./chart";

const WIDTH = 640;
const HEIGHT = 240;

/** A grouped bar chart in SVG with its text alternative and, under it, the same figures
 * as a table (the chart is a picture: the table is what a screen reader and a keyboard
 * user read). */
export function BarChart({
  title,
  rows,
  series,
  unit = "%",
  ceiling = 100,
  firstColumn,
}: {
  title: string;
  rows: ChartRow[];
  series: Series[];
  unit?: string;
  ceiling?: number;
  firstColumn: string;
}) {
  const id = useId();
  const layout = layoutBars(rows, series, WIDTH, HEIGHT, ceiling);
  const summary = describeChart(rows, series, unit);
  return (
    <figure className="chart card" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`} className="chart-title">
        {title}
      </figcaption>
      <ul className="legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}>
            <span className={`swatch ${s.className}`} /> {s.label}
          </li>
        ))}
      </ul>
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        className="chart-svg"
        preserveAspectRatio="xMidYMid meet"
      >
        <desc id={`${id}-desc`}>{summary}</desc>
        {layout.ticks.map((tick) => (
          <g key={tick.value} className="tick">
            <line x1={layout.plot.left} x2={layout.plot.right} y1={tick.y} y2={tick.y} />
            <text x={layout.plot.left - 4} y={tick.y + 4} textAnchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        {layout.bars.map((bar) => (
          <rect
            key={`${bar.series}-${bar.row}`}
            className={`bar ${series.find((s) => s.key === bar.series)?.className ?? ""}`}
            x={bar.x}
            y={bar.y}
            width={Math.max(bar.width - 2, 1)}
            height={bar.height}
          >
            <title>{`${rows[bar.row]?.label ?? ""}, ${series.find((s) => s.key === bar.series)?.label}: ${valueText(bar.value, unit)}`}</title>
          </rect>
        ))}
        {layout.labels.map((label, index) => (
          <text key={index} className="axis-label" x={label.x} y={layout.height - 8} textAnchor="middle">
            {label.text}
          </text>
        ))}
      </svg>
      <div className="table-wrap">
        <table className="table chart-table">
          <caption className="sr-only">{title}: таблица</caption>
          <thead>
            <tr>
              <th scope="col">{firstColumn}</th>
              {series.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {series.map((s) => (
                  <td key={s.key}>{valueText(row.values[s.key], unit)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
