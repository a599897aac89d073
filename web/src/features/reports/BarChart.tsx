import { useEffect, useId, useRef, useState } from "react";
import { describeChart, layoutBars, valueText, type ChartRow, type Series } from "./chart";

const WIDTH = 640;
const HEIGHT = 240;

/** The element's width in CSS pixels, followed as it changes, so that the chart is drawn
 * at its real size and its 12 px labels stay 12 px on a phone. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => {
      const measured = Math.round(entry?.contentRect.width ?? 0);
      if (measured > 0) setWidth(measured);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

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
  table = true,
}: {
  title: string;
  rows: ChartRow[];
  series: Series[];
  unit?: string;
  /** The axis's top (100 for percentages); null: a round number above the largest value. */
  ceiling?: number | null;
  firstColumn: string;
  /** false when the same figures are in a table shown beside the chart already. */
  table?: boolean;
}) {
  const id = useId();
  const [box, width] = useWidth(WIDTH);
  const height = Math.round(Math.min(HEIGHT, Math.max(180, width * 0.45)));
  const layout = layoutBars(rows, series, width, height, ceiling ?? undefined);
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
      <div ref={box} className="chart-box">
        <svg
          width={layout.width}
          height={layout.height}
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
      </div>
      {table && (
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
      )}
    </figure>
  );
}
