import { NavCount } from "../../components/NavCount";
import { useLiveFeed, useUnreadNotifications } from "./api";

/** The «Уведомления» link's unread count, kept live by the stream. */
export function NotificationsNavBadge() {
  const unread = useUnreadNotifications();
  useLiveFeed();
  return <NavCount count={unread.data?.unread} testId="nav-notifications-unread" />;
}
