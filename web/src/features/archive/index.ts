import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { FAMILY, LISTERS } from "./access";
import { archiveRoutes } from "./routes";

/** The archive: the school's sealed years, their class journals and the integrity check
 * (director, deputy; the system administrator sees the list and the check only), and a
 * family's report cards of archived years. */
export const archive: Feature = {
  routes: archiveRoutes,
  nav: [
    { to: "/archive", label: "Архив", roles: LISTERS },
    { to: "/report-cards", label: "Табели прошлых лет", roles: FAMILY },
  ],
};

