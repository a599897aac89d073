// The monthly control's row as findings to act on, each with the journal page it is
// about. The server answers the figures; the wording is the screen's.
import type { components } from "../../api/generated/reporting";
import { shortDate } from "../../lib/dates";
import { journalHref, pageOfDate } from "./links";

// The server's types, generated from reporting's OpenAPI document.
export type ControlReport = components["schemas"]["JournalControlOut"];
export type ControlRow = components["schemas"]["ControlRowOut"];

export type Finding = {
  code: string;
  text: string;
  /** The journal page, or null when reporting knows no period for it. */
  href: string | null;
  /** Dates of the finding, each on its own page. */
  dates?: { date: string; href: string | null }[];
};

function dated(row: ControlRow, dates: string[]): { date: string; href: string | null }[] {
  return dates.map((date) => {
    const page = pageOfDate(date, row.journal_pages, row.journal_period_id);
    return { date, href: page ? journalHref(row.assignment_id, page) : null };
  });
}

/** What the deputy (or the teacher) has to look at in one assignment's journal this month. */
export function controlFindings(row: ControlRow, report: Pick<ControlReport, "late_entry_days" | "min_marks">): Finding[] {
  const href = row.journal_period_id ? journalHref(row.assignment_id, row.journal_period_id) : null;
  const found: Finding[] = [];
  if (row.lessons_held === 0) {
    found.push({ code: "no-lessons", text: "За месяц не проведено ни одного урока.", href });
  }
  if (row.lessons_without_topic > 0) {
    found.push({
      code: "lessons-without-topic",
      text: `Уроков без темы: ${row.lessons_without_topic}`,
      href,
      dates: dated(row, row.dates_without_topic),
    });
  }
  if (row.lessons_without_homework > 0) {
    found.push({
      code: "lessons-without-homework",
      text: `Уроков без домашнего задания: ${row.lessons_without_homework}`,
      href,
      dates: dated(row, row.dates_without_homework),
    });
  }
  if (row.late_marks > 0) {
    found.push({
      code: "late-marks",
      text: `Отметок, выставленных позже ${report.late_entry_days} дн.: ${row.late_marks}`,
      href,
    });
  }
  if (row.students_below_minimum.length > 0) {
    found.push({
      code: "too-few-marks",
      text: `Учеников с менее чем ${report.min_marks} отметками: ${row.students_below_minimum.length}`,
      href,
    });
  }
  return found;
}

export function datesText(dates: string[]): string {
  return dates.map(shortDate).join(", ");
}
