import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { deputyRoutes } from "./routes";

/** The deputy's settings: periods, work types and grading, the history of marks. */
export const deputy: Feature = {
  routes: deputyRoutes,
  nav: [
    { to: "/periods", label: "Периоды", roles: ["deputy"] },
    { to: "/grading", label: "Виды работ", roles: ["deputy"] },
    { to: "/mark-changes", label: "Исправления", roles: ["deputy"] },
  ],
};
