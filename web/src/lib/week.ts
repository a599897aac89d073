// Weeks of the school calendar (Monday to Sunday), as YYYY-MM-DD dates, counted in the
// school's time zone: "this week" is the week of today there, not in the browser's zone.
import { isoWeekday, schoolToday } from "./dates";

/** The date `days` days after (or before) a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T12:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** The Monday of the week holding `date`. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

export type Week = { from: string; to: string };

/** The week holding `date` (default: today in the school's zone). */
export function weekOf(date?: string | null, now: Date = new Date()): Week {
  const valid = date && /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(date));
  const from = mondayOf(valid ? date : schoolToday(now));
  return { from, to: addDays(from, 6) };
}

export function shiftWeek(week: Week, weeks: number): Week {
  const from = addDays(week.from, 7 * weeks);
  return { from, to: addDays(from, 6) };
}

/** The days of a week, Monday first. */
export function weekDays(week: Week): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(week.from, i));
}
