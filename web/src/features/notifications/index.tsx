import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { FeedPage } from "./FeedPage";
import { NotificationsNavBadge } from "./NotificationsNavBadge";
import { PreferencesPage } from "./PreferencesPage";

/** Everyone's notification feed (marks, absences, homework, finals, letters, reports), live. */
export const notifications: Feature = {
  routes: [
    { path: "notifications", element: <FeedPage /> },
    { path: "notifications/preferences", element: <PreferencesPage /> },
  ],
  nav: [
    {
      to: "/notifications",
      label: "Уведомления",
      roles: ["parent", "student", "teacher", "class_teacher", "deputy", "director"],
      Badge: NotificationsNavBadge,
    },
  ],
};
