import type { Feature } from "../../app/feature";
import { journalRoutes } from "./routes";

/** The teacher's journal: today's lessons and the class journal grid. */
export const journal: Feature = {
  routes: journalRoutes,
  nav: [{ to: "/today", label: "Уроки сегодня", roles: ["teacher", "class_teacher"] }],
};
