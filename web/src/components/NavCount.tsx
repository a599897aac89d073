/** A navigation entry's label with its count of unread items: the number shown beside the
 * label, and for screen readers one text «Почта, непрочитанных: 3» (one node, so no
 * browser puts a space before the comma). The bare label while there is nothing unread or
 * the count is unknown. */
export function NavCount({
  label,
  count,
  testId,
}: {
  label: string;
  count: number | null | undefined;
  testId?: string;
}) {
  if (!count) return <>{label}</>;
  return (
    <>
      <span aria-hidden="true">
        {label}
        <span className="nav-count" data-testid={testId}>
          {count > 99 ? "99+" : count}
        </span>
      </span>
      <span className="sr-only">{`${label}, непрочитанных: ${count}`}</span>
    </>
  );
}
