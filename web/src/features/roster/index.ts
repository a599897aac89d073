import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { rosterRoutes } from "./routes";

/** The class teacher's class: the class list, student and guardian records, the import. */
export const roster: Feature = {
  routes: rosterRoutes,
  nav: [{ to: "/class", label: "Мой класс", roles: ["class_teacher"] }],
};
