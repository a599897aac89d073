// The reports' screens, one chunk loaded on first use (routes.tsx).
export { ControlPage } from "./ControlPage";
export { DashboardPage } from "./DashboardPage";
export { QuarterCheckPage } from "./QuarterCheckPage";
export { ReportsLayout } from "./ReportsLayout";
export { SnapshotsPage } from "./SnapshotsPage";
