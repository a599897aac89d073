// The archive's screens, loaded when first opened (routes.tsx).
export { ArchiveLayout } from "./ArchiveLayout";
export { ReportCardsPage } from "./ReportCardsPage";
export { YearPage } from "./YearPage";
export { YearsPage } from "./YearsPage";
