import { lazy, Suspense, type ReactNode } from "react";
import type { RouteObject } from "react-router";

// Loaded when first opened: most people never see most of these screens.
const AccountPage = lazy(() => import("./AccountPage").then((m) => ({ default: m.AccountPage })));
const ClassAccessPage = lazy(() =>
  import("./ClassAccessPage").then((m) => ({ default: m.ClassAccessPage })),
);
const ConsentsPage = lazy(() =>
  import("./ConsentsPage").then((m) => ({ default: m.ConsentsPage })),
);
const StaffPage = lazy(() => import("./StaffPage").then((m) => ({ default: m.StaffPage })));

const page = (element: ReactNode) => <Suspense fallback={<p>Загрузка…</p>}>{element}</Suspense>;

export const accountsRoutes: RouteObject[] = [
  { path: "account", element: page(<AccountPage />) },
  { path: "staff", element: page(<StaffPage />) },
  { path: "class-access", element: page(<ClassAccessPage />) },
  { path: "class-access/:classId", element: page(<ClassAccessPage />) },
  { path: "consents", element: page(<ConsentsPage />) },
];
