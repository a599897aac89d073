// Where a finding is looked at: the journal feature's grid of an assignment and a period
// (its route is journal/:assignmentId/:periodId, see features/journal/routes.tsx). Linked by
// URL: features never import each other.

export type JournalPage = { period_id: string; starts_on: string; ends_on: string };

export function journalHref(assignmentId: string, periodId: string): string {
  return `/journal/${encodeURIComponent(assignmentId)}/${encodeURIComponent(periodId)}`;
}

/** The page holding a date (a month may end one quarter and begin the next), else the
 * row's main page, else none (a period reporting has not heard of). */
export function pageOfDate(
  date: string,
  pages: JournalPage[],
  main: string | null,
): string | null {
  return pages.find((p) => p.starts_on <= date && date <= p.ends_on)?.period_id ?? main;
}
