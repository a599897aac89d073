import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { FeedPage } from "./FeedPage";

/** Everyone's notification feed (marks, absences, homework, finals, letters, reports), live. */
export const notifications: Feature = {
  routes: [{ path: "notifications", element: <FeedPage /> }],
  nav: [
    {
      to: "/notifications",
      label: "Уведомления",
      roles: ["parent", "student", "teacher", "class_teacher", "deputy", "director"],
    },
  ],
};
