import { describe, expect, it } from "vitest";
import { describeChart, layoutBars, MARGIN, niceMax, valueText } from "./chart";

const SERIES = [
  { key: "progress_rate", label: "Успеваемость", className: "progress" },
  { key: "quality_rate", label: "Качество", className: "quality" },
];

describe("layoutBars", () => {
  it("scales percentages to a 0–100 axis, the plot inside the margins", () => {
    const layout = layoutBars(
      [
        { label: "1 четверть", values: { progress_rate: 100, quality_rate: 50 } },
        { label: "2 четверть", values: { progress_rate: 25, quality_rate: 0 } },
      ],
      SERIES,
      400,
      228,
      100,
    );
    const plotHeight = 228 - MARGIN.top - MARGIN.bottom; // 188
    const [p1, q1, p2, q2] = layout.bars;
    expect(layout.max).toBe(100);
    expect(p1?.height).toBeCloseTo(plotHeight);
    expect(p1?.y).toBeCloseTo(MARGIN.top);
    expect(q1?.height).toBeCloseTo(plotHeight / 2);
    expect(p2?.height).toBeCloseTo(plotHeight / 4);
    expect(q2?.height).toBe(0);
    // every bar stands on the axis
    for (const bar of layout.bars) expect(bar.y + bar.height).toBeCloseTo(228 - MARGIN.bottom);
    // two bands, each 80 % filled by two bars side by side
    const band = (400 - MARGIN.left - MARGIN.right) / 2;
    expect(p1?.width).toBeCloseTo((band * 0.8) / 2);
    expect(q1!.x - p1!.x).toBeCloseTo(p1!.width);
    expect(p2!.x - p1!.x).toBeCloseTo(band);
    expect(layout.labels.map((l) => l.text)).toEqual(["1 четверть", "2 четверть"]);
  });

  it("draws no bar for a group with nobody counted and clamps what overflows", () => {
    const layout = layoutBars(
      [{ label: "1А", values: { progress_rate: null, quality_rate: 120 } }],
      SERIES,
      300,
      200,
      100,
    );
    expect(layout.bars.map((b) => b.series)).toEqual(["quality_rate"]);
    expect(layout.bars[0]?.y).toBeCloseTo(MARGIN.top);
    expect(layout.bars[0]?.value).toBe(120);
  });

  it("picks a round axis when there is no ceiling", () => {
    expect(niceMax([3.2])).toBe(5);
    expect(niceMax([12])).toBe(20);
    expect(niceMax([0])).toBe(1);
    expect(niceMax([])).toBe(1);
    expect(niceMax([50])).toBe(50);
    const missed = { key: "missed_share", label: "Пропущено", className: "missed" };
    const layout = layoutBars([{ label: "5А", values: { missed_share: 7.5 } }], [missed], 300, 200);
    expect(layout.max).toBe(10);
    expect(layout.ticks.map((t) => t.value)).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it("survives no rows", () => {
    const layout = layoutBars([], SERIES, 300, 200, 100);
    expect(layout.bars).toEqual([]);
    expect(describeChart([], SERIES, "%")).toBe("Данных нет.");
  });
});

describe("the text alternative", () => {
  it("says every figure in Russian", () => {
    expect(
      describeChart(
        [
          { label: "1 четверть", values: { progress_rate: 96.2, quality_rate: null } },
          { label: "2 четверть", values: { progress_rate: 100, quality_rate: 55.45 } },
        ],
        SERIES,
        "%",
      ),
    ).toBe(
      "1 четверть: успеваемость 96,2 %, качество нет данных; 2 четверть: успеваемость 100 %, качество 55,45 %.",
    );
    expect(valueText(3.93)).toBe("3,93");
    expect(valueText(undefined)).toBe("нет данных");
  });
});
