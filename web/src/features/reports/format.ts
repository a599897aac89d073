// Names and numbers as the reports' screens say them.
import type { SchoolPeriod } from "./api";

const KINDS: Record<string, string> = { quarter: "четверть", half: "полугодие" };

export function periodLabel(period: Pick<SchoolPeriod, "kind" | "number">): string {
  return `${period.number} ${KINDS[period.kind] ?? period.kind}`;
}

export const FORMATS = [
  { format: "pdf", label: "PDF" },
  { format: "xlsx", label: "Excel" },
  { format: "csv", label: "CSV" },
  { format: "json", label: "JSON" },
] as const;

const MONTHS = [
  "январь", "февраль", "март", "апрель", "май", "июнь",
  "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
];

/** "ноябрь 2026" for "2026-11". */
export function monthLabel(month: string): string {
  const [year, number] = month.split("-");
  return `${MONTHS[Number(number) - 1] ?? number} ${year}`;
}

/** The month before or after a YYYY-MM month. */
export function shiftMonth(month: string, by: number): string {
  const [year = 1970, number = 1] = month.split("-").map(Number);
  const index = year * 12 + (number - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** The periods of one kind the chart follows across the year: those begun by `today`. */
export function periodsForTrend(periods: SchoolPeriod[], kind: string, today: string): SchoolPeriod[] {
  return periods.filter((p) => p.kind === kind && p.starts_on <= today);
}

export const ROLE_LABELS: Record<string, string> = {
  director: "Директор",
  deputy: "Завучи",
  teacher: "Учителя",
  class_teacher: "Классные руководители",
  student: "Ученики",
  parent: "Родители",
  sysadmin: "Администраторы",
  district_inspector: "Инспекторы",
};
