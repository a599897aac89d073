// Dates in the school's time zone. The demo school and every school so far are in Moscow;
// the zone is one constant here until auth's school record names it.
export const SCHOOL_TIME_ZONE = "Europe/Moscow";

/** Today's date (YYYY-MM-DD) in the school's time zone. */
export function schoolToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: SCHOOL_TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

/** ISO weekday (1 = Monday) of a YYYY-MM-DD date. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

const LONG = new Intl.DateTimeFormat("ru-RU", {
  weekday: "long",
  day: "numeric",
  month: "long",
  timeZone: "UTC",
});
const SHORT = new Intl.DateTimeFormat("ru-RU", { day: "2-digit", month: "2-digit", timeZone: "UTC" });

export function longDate(date: string): string {
  return LONG.format(new Date(`${date}T12:00:00Z`));
}

export function shortDate(date: string): string {
  return SHORT.format(new Date(`${date}T12:00:00Z`));
}
