import { NavCount } from "../../components/NavCount";
import { unreadTotal, useLiveMail, useUnread } from "./api";

/** The «Почта» link's unread count, kept live by the stream. */
export function MailNavBadge() {
  const unread = useUnread();
  useLiveMail();
  return <NavCount count={unreadTotal(unread.data)} testId="nav-mail-unread" />;
}
