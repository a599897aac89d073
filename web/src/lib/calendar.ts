// The school calendar's defaults: which year, period and week a screen opens on, on any
// day of the year. Between periods (a holiday) and in the summer no period holds today,
// yet a teacher still opens the journal and a family the diary: each screen then opens on
// the last period begun (on 2 January the second quarter, from 12 January the third) and
// the diary on the last week of lessons, never on an error or an empty page. Dates are
// YYYY-MM-DD strings in the school's zone (schoolToday), compared as text.

export type Dated = { starts_on: string; ends_on: string };

/** The period holding `today`, else the last one begun, else the first (before the year). */
export function periodFor<T extends Dated>(periods: T[], today: string): T | undefined {
  const byStart = [...periods].sort((a, b) => a.starts_on.localeCompare(b.starts_on));
  return (
    byStart.find((p) => p.starts_on <= today && today <= p.ends_on) ??
    [...byStart].reverse().find((p) => p.starts_on <= today) ??
    byStart[0]
  );
}

/** The periods a teacher's journals open on: of each kind (quarters, halves) the one
 * holding today, else the last begun; those holding today first. A class level graded by
 * halves refuses a quarter's page and the reverse, so the caller tries them in turn. */
export function journalPeriods<T extends Dated & { kind: string }>(periods: T[], today: string): T[] {
  const kinds = [...new Set(periods.map((p) => p.kind))];
  const chosen = kinds.flatMap((kind) => {
    const found = periodFor(
      periods.filter((p) => p.kind === kind),
      today,
    );
    return found ? [found] : [];
  });
  const holding = (p: T) => (p.starts_on <= today && today <= p.ends_on ? 0 : 1);
  return chosen.sort((a, b) => holding(a) - holding(b));
}

/** The year holding `today`; in the summer the next one once opened, else the one ended. */
export function yearFor<T extends Dated>(years: T[], today: string): T | undefined {
  const byStart = [...years].sort((a, b) => a.starts_on.localeCompare(b.starts_on));
  return (
    byStart.find((y) => y.starts_on <= today && today <= y.ends_on) ??
    byStart.find((y) => today < y.starts_on) ??
    byStart[byStart.length - 1]
  );
}

/** The day whose week the diary opens on: today inside a period; between periods and in
 * the summer the last day of the period ended last; today before the year's first one. */
export function diaryDay(periods: Dated[], today: string): string {
  if (periods.some((p) => p.starts_on <= today && today <= p.ends_on)) return today;
  const ended = periods.map((p) => p.ends_on).filter((day) => day < today);
  return ended.length > 0 ? ended.reduce((a, b) => (a > b ? a : b)) : today;
}

/** The holiday (or day off) holding `day`, if any. */
export function holidayOn<T extends Dated>(holidays: T[], day: string): T | undefined {
  return holidays.find((h) => h.starts_on <= day && day <= h.ends_on);
}
