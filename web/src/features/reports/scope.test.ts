import { describe, expect, it } from "vitest";
import type { Progress, SchoolPeriod } from "./api";
import { tabOf, tabsFor } from "./access";
import { monthLabel, periodsForTrend, shiftMonth } from "./format";
import { currentPeriodOf, lastEndedPeriodOf, parseScope, scopeFigures, scopeLabel } from "./scope";

function period(kind: string, number: number, starts_on: string, ends_on: string): SchoolPeriod {
  return { period_id: `${kind}-${number}`, kind, number, starts_on, ends_on, closed: false };
}

const PERIODS = [
  period("half", 1, "2026-09-01", "2026-12-28"),
  period("quarter", 1, "2026-09-01", "2026-10-26"),
  period("quarter", 2, "2026-11-05", "2026-12-28"),
  period("half", 2, "2027-01-12", "2027-05-29"),
  period("quarter", 3, "2027-01-12", "2027-03-22"),
];

const figures = (rate: number) => ({
  n5: 0, n4: 0, n3: 0, n2: 0, n_na: 0, n_exempt: 0, n_passed: 0, students_counted: 1,
  progress_rate: rate, quality_rate: rate, learning_degree: rate, mean_mark: 4,
}); // prettier-ignore

const PROGRESS = {
  period: { period_id: "quarter-2", year_id: "y", year_name: "2026/27", kind: "quarter", number: 2, starts_on: "", ends_on: "" },
  groups: [],
  classes: [{ ...figures(80), class_id: "c5", class_name: "5А", grade: 5, marks_given: true }],
  parallels: [{ ...figures(70), grade: 5 }],
  school: { ...figures(60), school_id: "s" },
  unmarked_grades: [1],
} as Progress;

describe("the dashboard's scope", () => {
  it("is read from the URL, the school by default", () => {
    expect(parseScope(null)).toEqual({ kind: "school" });
    expect(parseScope("grade:5")).toEqual({ kind: "grade", grade: 5 });
    expect(parseScope("grade:x")).toEqual({ kind: "school" });
    expect(parseScope("class:c5")).toEqual({ kind: "class", classId: "c5" });
  });

  it("takes its figures from the school-wide report", () => {
    expect(scopeFigures(PROGRESS, { kind: "school" })?.progress_rate).toBe(60);
    expect(scopeFigures(PROGRESS, { kind: "grade", grade: 5 })?.progress_rate).toBe(70);
    expect(scopeFigures(PROGRESS, { kind: "class", classId: "c5" })?.progress_rate).toBe(80);
    expect(scopeFigures(PROGRESS, { kind: "class", classId: "other" })).toBeUndefined();
    expect(scopeLabel({ kind: "class", classId: "c5" }, PROGRESS)).toBe("5А класс");
    expect(scopeLabel({ kind: "grade", grade: 5 }, PROGRESS)).toBe("5-е классы");
  });
});

describe("periods", () => {
  it("shows the quarter holding today first, else the last begun", () => {
    expect(currentPeriodOf(PERIODS, "2026-12-03")?.period_id).toBe("quarter-2");
    expect(currentPeriodOf(PERIODS, "2026-11-01")?.period_id).toBe("quarter-1");
    expect(currentPeriodOf(PERIODS, "2026-08-01")?.period_id).toBe("quarter-1");
  });

  it("checks the last quarter ended first, else the one running", () => {
    expect(lastEndedPeriodOf(PERIODS, "2026-12-03")?.period_id).toBe("quarter-1");
    expect(lastEndedPeriodOf(PERIODS, "2027-02-01")?.period_id).toBe("quarter-2");
    expect(lastEndedPeriodOf(PERIODS, "2026-09-10")?.period_id).toBe("quarter-1");
  });

  it("follows the periods of one kind begun so far across the year", () => {
    expect(periodsForTrend(PERIODS, "quarter", "2026-12-03").map((p) => p.period_id)).toEqual([
      "quarter-1",
      "quarter-2",
    ]);
  });

  it("says and moves months", () => {
    expect(monthLabel("2026-11")).toBe("ноябрь 2026");
    expect(shiftMonth("2026-12", 1)).toBe("2027-01");
    expect(shiftMonth("2027-01", -1)).toBe("2026-12");
  });
});

describe("who sees which tab", () => {
  it("gives the administration every tab and teachers the checks only", () => {
    expect(tabsFor(["director"]).map((t) => t.label)).toEqual([
      "Показатели",
      "Контроль журналов",
      "Итоги периода",
      "Готовые отчёты",
    ]);
    expect(tabsFor(["teacher"]).map((t) => t.to)).toEqual(["/reports/control", "/reports/quarter-check"]);
    expect(tabsFor(["parent"])).toEqual([]);
    expect(tabOf("/reports/")?.to).toBe("/reports");
    expect(tabOf("/reports/nothing")).toBeUndefined();
  });
});
