import { SCHOOL_TIME_ZONE } from "./dates";

const DATE_TIME = new Intl.DateTimeFormat("ru-RU", {
  timeZone: SCHOOL_TIME_ZONE,
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** A moment (ISO date-time) as the school's clock shows it: "02.12.2026, 09:15". */
export function schoolDateTime(moment: string): string {
  return DATE_TIME.format(new Date(moment));
}
