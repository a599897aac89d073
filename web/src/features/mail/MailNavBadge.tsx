import { NavCount } from "../../components/NavCount";
import { unreadTotal, useLiveMail, useUnread } from "./api";

/** The «Почта» link: its label and unread count, kept live by the stream. */
export function MailNavBadge({ label }: { label: string }) {
  const unread = useUnread();
  useLiveMail();
  return <NavCount label={label} count={unreadTotal(unread.data)} testId="nav-mail-unread" />;
}
