import { describe, expect, it } from "vitest";
import { controlFindings, type ControlRow } from "./findings";
import { journalHref, pageOfDate } from "./links";

const Q1 = { period_id: "q1", starts_on: "2026-09-01", ends_on: "2026-10-26" };
const Q2 = { period_id: "q2", starts_on: "2026-11-05", ends_on: "2026-12-28" };

function row(changes: Partial<ControlRow> = {}): ControlRow {
  return {
    assignment_id: "a-1",
    teacher_id: "t",
    teacher_name: "Иванова Мария Петровна",
    class_id: "c",
    class_name: "5А",
    subject_id: "s",
    subject_name: "Математика",
    journal_period_id: "q2",
    journal_pages: [Q2],
    lessons_held: 12,
    lessons_without_topic: 0,
    lessons_without_homework: 0,
    dates_without_topic: [],
    dates_without_homework: [],
    late_marks: 0,
    students_below_minimum: [],
    last_entry_at: "2026-11-30T10:00:00Z",
    marks_given: true,
    ...changes,
  };
}

const RULES = { late_entry_days: 7, min_marks: 3 };

describe("a finding's journal page", () => {
  it("is the journal feature's grid of the assignment and the period", () => {
    expect(journalHref("a-1", "q2")).toBe("/journal/a-1/q2");
    expect(journalHref("a/1", "q 2")).toBe("/journal/a%2F1/q%202");
  });

  it("is, for a date, the page holding it; else the row's main page", () => {
    expect(pageOfDate("2026-10-20", [Q1, Q2], "q2")).toBe("q1");
    expect(pageOfDate("2026-11-10", [Q1, Q2], "q1")).toBe("q2");
    // a holiday between the quarters: the row's page
    expect(pageOfDate("2026-11-01", [Q1, Q2], "q1")).toBe("q1");
    expect(pageOfDate("2026-11-01", [], null)).toBeNull();
  });
});

describe("controlFindings", () => {
  it("finds nothing in a journal kept well", () => {
    expect(controlFindings(row(), RULES)).toEqual([]);
  });

  it("links every finding and every date to its journal page", () => {
    const found = controlFindings(
      row({
        journal_period_id: "q1",
        journal_pages: [Q1, Q2],
        lessons_without_topic: 2,
        dates_without_topic: ["2026-10-20", "2026-11-06"],
        lessons_without_homework: 1,
        dates_without_homework: ["2026-10-21"],
        late_marks: 3,
        students_below_minimum: ["s1", "s2"],
      }),
      RULES,
    );
    expect(found.map((f) => [f.code, f.text, f.href])).toEqual([
      ["lessons-without-topic", "Уроков без темы: 2", "/journal/a-1/q1"],
      ["lessons-without-homework", "Уроков без домашнего задания: 1", "/journal/a-1/q1"],
      ["late-marks", "Отметок, выставленных позже 7 дн.: 3", "/journal/a-1/q1"],
      ["too-few-marks", "Учеников с менее чем 3 отметками: 2", "/journal/a-1/q1"],
    ]);
    expect(found[0]?.dates).toEqual([
      { date: "2026-10-20", href: "/journal/a-1/q1" },
      { date: "2026-11-06", href: "/journal/a-1/q2" },
    ]);
  });

  it("names a month with no lessons, and has no link without a known period", () => {
    const found = controlFindings(row({ lessons_held: 0, journal_period_id: null, journal_pages: [] }), RULES);
    expect(found).toEqual([{ code: "no-lessons", text: "За месяц не проведено ни одного урока.", href: null }]);
  });
});
