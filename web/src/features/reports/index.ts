import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { reportsRoutes } from "./routes";

/** The reports: the director's dashboard, the control of journals and the period's check
 * (findings linked to the journal pages), the reports produced on schedule. */
export const reports: Feature = {
  routes: reportsRoutes,
  nav: [
    { to: "/reports", label: "Отчёты", roles: ["director", "deputy"] },
    { to: "/reports/control", label: "Проверка журналов", roles: ["teacher", "class_teacher"] },
  ],
};
