/** A navigation entry's count of unread items: the number shown beside the label, and for
 * screen readers «, непрочитанных: N» after it (so the link reads «Почта, непрочитанных: 3»).
 * Nothing while there is nothing unread or the count is unknown. */
export function NavCount({ count, testId }: { count: number | null | undefined; testId?: string }) {
  if (!count) return null;
  return (
    <>
      {" "}
      <span className="nav-count" aria-hidden="true" data-testid={testId}>
        {count > 99 ? "99+" : count}
      </span>
      <span className="sr-only">, непрочитанных: {count}</span>
    </>
  );
}
