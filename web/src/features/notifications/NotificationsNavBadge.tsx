import { NavCount } from "../../components/NavCount";
import { useLiveFeed, useUnreadNotifications } from "./api";

/** The «Уведомления» link: its label and unread count, kept live by the stream. */
export function NotificationsNavBadge({ label }: { label: string }) {
  const unread = useUnreadNotifications();
  useLiveFeed();
  return <NavCount label={label} count={unread.data?.unread} testId="nav-notifications-unread" />;
}
