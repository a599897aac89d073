import type { RouteObject } from "react-router";
import { GradingPage } from "./GradingPage";
import { HistoryPage } from "./HistoryPage";
import { PeriodsPage } from "./PeriodsPage";

export const deputyRoutes: RouteObject[] = [
  { path: "periods", element: <PeriodsPage /> },
  { path: "grading", element: <GradingPage /> },
  { path: "mark-changes", element: <HistoryPage /> },
];
