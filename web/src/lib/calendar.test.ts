import { describe, expect, it } from "vitest";
import { diaryDay, holidayOn, journalPeriods, periodFor, yearFor } from "./calendar";

// the demo school's year 2026/27 (bench/datagen SchoolYear)
const quarters = [
  { period_id: "q1", kind: "quarter", starts_on: "2026-09-01", ends_on: "2026-10-26" },
  { period_id: "q2", kind: "quarter", starts_on: "2026-11-05", ends_on: "2026-12-28" },
  { period_id: "q3", kind: "quarter", starts_on: "2027-01-12", ends_on: "2027-03-22" },
  { period_id: "q4", kind: "quarter", starts_on: "2027-03-30", ends_on: "2027-05-29" },
];
const halves = [
  { period_id: "h1", kind: "half", starts_on: "2026-09-01", ends_on: "2026-12-28" },
  { period_id: "h2", kind: "half", starts_on: "2027-01-12", ends_on: "2027-05-29" },
];
const holidays = [
  { name: "Осенние каникулы", starts_on: "2026-10-27", ends_on: "2026-11-04" },
  { name: "Зимние каникулы", starts_on: "2026-12-29", ends_on: "2027-01-11" },
];
const year = { year_id: "y26", starts_on: "2026-09-01", ends_on: "2027-05-29" };

describe("the period a screen opens on", () => {
  it("is the one holding today on a school day", () => {
    expect(periodFor(quarters, "2026-12-08")?.period_id).toBe("q2");
  });

  it("is the last begun in a holiday: the second quarter on 2 January, the third from 12 January", () => {
    expect(periodFor(quarters, "2027-01-02")?.period_id).toBe("q2");
    expect(periodFor(quarters, "2027-01-12")?.period_id).toBe("q3");
    expect(periodFor(quarters, "2026-11-04")?.period_id).toBe("q1");
    expect(periodFor(quarters, "2027-03-25")?.period_id).toBe("q3");
  });

  it("is the last one in the summer and the first before the year", () => {
    expect(periodFor(quarters, "2027-07-15")?.period_id).toBe("q4");
    expect(periodFor(quarters, "2026-08-20")?.period_id).toBe("q1");
  });

  it("does not depend on the order the periods come in", () => {
    expect(periodFor([...quarters].reverse(), "2027-01-02")?.period_id).toBe("q2");
  });
});

describe("a teacher's journals", () => {
  it("try a quarter and a half, those holding today first", () => {
    const all = [...quarters, ...halves];
    expect(journalPeriods(all, "2026-12-08").map((p) => p.period_id)).toEqual(["q2", "h1"]);
    expect(journalPeriods(all, "2027-01-02").map((p) => p.period_id)).toEqual(["q2", "h1"]);
    expect(journalPeriods(all, "2027-07-15").map((p) => p.period_id)).toEqual(["q4", "h2"]);
    expect(journalPeriods([], "2027-07-15")).toEqual([]);
  });
});

describe("the year a screen opens on", () => {
  const next = { year_id: "y27", starts_on: "2027-09-01", ends_on: "2028-05-27" };

  it("is the one holding today", () => {
    expect(yearFor([next, year], "2027-01-02")?.year_id).toBe("y26");
  });

  it("in the summer is the next once opened, else the one ended", () => {
    expect(yearFor([next, year], "2027-07-15")?.year_id).toBe("y27");
    expect(yearFor([year], "2027-07-15")?.year_id).toBe("y26");
    expect(yearFor([], "2027-07-15")).toBeUndefined();
  });
});

describe("the diary's week", () => {
  it("is this week inside a period", () => {
    expect(diaryDay(quarters, "2026-12-08")).toBe("2026-12-08");
    expect(diaryDay(quarters, "2027-01-12")).toBe("2027-01-12");
  });

  it("is the last week of lessons in a holiday and in the summer", () => {
    expect(diaryDay(quarters, "2027-01-05")).toBe("2026-12-28");
    expect(diaryDay(quarters, "2026-12-31")).toBe("2026-12-28");
    expect(diaryDay(quarters, "2027-03-29")).toBe("2027-03-22");
    expect(diaryDay(quarters, "2027-07-15")).toBe("2027-05-29");
  });

  it("is this week before the year's first period", () => {
    expect(diaryDay(quarters, "2026-08-20")).toBe("2026-08-20");
    expect(diaryDay([], "2026-08-20")).toBe("2026-08-20");
  });
});

describe("a day off", () => {
  it("is named when a holiday holds the day", () => {
    expect(holidayOn(holidays, "2027-01-02")?.name).toBe("Зимние каникулы");
    expect(holidayOn(holidays, "2026-12-08")).toBeUndefined();
  });
});
