// The layout of a grouped bar chart drawn as SVG by the client: pure numbers, so that the
// scaling is tested without a browser (chart.test.ts). Values are percentages or marks;
// a missing value (null: no students counted) draws no bar and is said as "нет данных".

export type Series = { key: string; label: string; className: string };
export type ChartRow = { label: string; values: Record<string, number | null> };

export type Bar = {
  series: string;
  row: number;
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
};

export type Tick = { value: number; y: number };

export type ChartLayout = {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  bars: Bar[];
  ticks: Tick[];
  labels: { text: string; x: number }[];
  max: number;
};

export const MARGIN = { left: 36, top: 12, right: 8, bottom: 28 };

/** A round upper bound for the axis: 100 for percentages, else the next of 1, 2, 5 × 10ⁿ. */
export function niceMax(values: number[], ceiling?: number): number {
  const top = Math.max(0, ...values);
  if (ceiling !== undefined) return ceiling;
  if (top <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(top));
  for (const step of [1, 2, 5, 10]) if (step * power >= top) return step * power;
  return 10 * power;
}

/** Bars for every row (a category on the x axis) and series (a bar within it). */
export function layoutBars(
  rows: ChartRow[],
  series: Series[],
  width: number,
  height: number,
  ceiling?: number,
): ChartLayout {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: width - MARGIN.right,
    bottom: height - MARGIN.bottom,
  };
  const values = rows.flatMap((row) =>
    series.map((s) => row.values[s.key]).filter((v): v is number => v != null),
  );
  const max = niceMax(values, ceiling);
  const plotWidth = Math.max(0, plot.right - plot.left);
  const plotHeight = Math.max(0, plot.bottom - plot.top);
  const band = rows.length > 0 ? plotWidth / rows.length : 0;
  const inner = band * 0.8;
  const barWidth = series.length > 0 ? inner / series.length : 0;
  const bars: Bar[] = [];
  rows.forEach((row, r) => {
    series.forEach((s, i) => {
      const value = row.values[s.key];
      if (value == null) return;
      const clamped = Math.min(Math.max(value, 0), max);
      const h = (clamped / max) * plotHeight;
      bars.push({
        series: s.key,
        row: r,
        x: plot.left + r * band + (band - inner) / 2 + i * barWidth,
        y: plot.bottom - h,
        width: barWidth,
        height: h,
        value,
      });
    });
  });
  const ticks: Tick[] = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    value: Math.round(max * f * 100) / 100,
    y: plot.bottom - f * plotHeight,
  }));
  const labels = rows.map((row, r) => ({ text: row.label, x: plot.left + r * band + band / 2 }));
  return { width, height, plot, bars, ticks, labels, max };
}

/** The chart said in words, for its text alternative: "1 четверть: успеваемость 96,2 %, …". */
export function describeChart(rows: ChartRow[], series: Series[], unit: string): string {
  if (rows.length === 0) return "Данных нет.";
  return rows
    .map(
      (row) =>
        `${row.label}: ${series
          .map((s) => `${s.label.toLowerCase()} ${valueText(row.values[s.key], unit)}`)
          .join(", ")}`,
    )
    .join("; ")
    .concat(".");
}

const NUMBER = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 2 });

/** "96,2 %", "4,15", or "нет данных" for a group with nobody counted. */
export function valueText(value: number | null | undefined, unit = ""): string {
  if (value == null) return "нет данных";
  return unit ? `${NUMBER.format(value)} ${unit}` : NUMBER.format(value);
}
