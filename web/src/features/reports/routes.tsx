import { lazy, Suspense } from "react";
import type { RouteObject } from "react-router";

// Loaded when a report is first opened: the first load of the client stays as it was.
const screens = () => import("./screens");
const ReportsLayout = lazy(() => screens().then((m) => ({ default: m.ReportsLayout })));
const DashboardPage = lazy(() => screens().then((m) => ({ default: m.DashboardPage })));
const ControlPage = lazy(() => screens().then((m) => ({ default: m.ControlPage })));
const QuarterCheckPage = lazy(() => screens().then((m) => ({ default: m.QuarterCheckPage })));
const SnapshotsPage = lazy(() => screens().then((m) => ({ default: m.SnapshotsPage })));

const loading = <p>Загрузка…</p>;

export const reportsRoutes: RouteObject[] = [
  {
    path: "reports",
    element: (
      <Suspense fallback={loading}>
        <ReportsLayout />
      </Suspense>
    ),
    children: [
      { index: true, element: <Suspense fallback={loading}><DashboardPage /></Suspense> },
      { path: "control", element: <Suspense fallback={loading}><ControlPage /></Suspense> },
      { path: "quarter-check", element: <Suspense fallback={loading}><QuarterCheckPage /></Suspense> },
      { path: "snapshots", element: <Suspense fallback={loading}><SnapshotsPage /></Suspense> },
    ],
  },
];
