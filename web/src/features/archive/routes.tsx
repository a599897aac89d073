import { lazy, Suspense } from "react";
import type { RouteObject } from "react-router";

// Loaded when the archive is first opened: the first load of the client stays as it was.
const screens = () => import("./screens");
const ArchiveLayout = lazy(() => screens().then((m) => ({ default: m.ArchiveLayout })));
const YearsPage = lazy(() => screens().then((m) => ({ default: m.YearsPage })));
const YearPage = lazy(() => screens().then((m) => ({ default: m.YearPage })));
const ReportCardsPage = lazy(() => screens().then((m) => ({ default: m.ReportCardsPage })));

const loading = <p>Загрузка…</p>;

export const archiveRoutes: RouteObject[] = [
  {
    path: "archive",
    element: (
      <Suspense fallback={loading}>
        <ArchiveLayout />
      </Suspense>
    ),
    children: [
      { index: true, element: <Suspense fallback={loading}><YearsPage /></Suspense> },
      { path: "years/:yearId", element: <Suspense fallback={loading}><YearPage /></Suspense> },
    ],
  },
  {
    path: "report-cards",
    element: (
      <Suspense fallback={loading}>
        <ReportCardsPage />
      </Suspense>
    ),
  },
];
