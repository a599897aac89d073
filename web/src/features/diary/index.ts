import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { diaryRoutes } from "./routes";

/** The family's diary: the week, marks by subject, final marks, homework due. */
export const diary: Feature = {
  routes: diaryRoutes,
  nav: [{ to: "/diary", label: "Дневник", roles: ["parent", "student"] }],
};
