import type { RouteObject } from "react-router";
import { JournalScreen } from "./JournalScreen";
import { TodayPage } from "./TodayPage";

export const journalRoutes: RouteObject[] = [
  { path: "today", element: <TodayPage /> },
  { path: "journal/:assignmentId/:periodId", element: <JournalScreen /> },
];
