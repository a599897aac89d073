import "../../components/screens.css";
import "./accounts.css";
import type { Feature } from "../../app/feature";
import { accountsRoutes } from "./routes";

/** Accounts: one's own profile (sessions, password), the sysadmin's staff accounts and
 * roles, the deputy's credentials for a class, a parent's consents. */
export const accounts: Feature = {
  routes: accountsRoutes,
  nav: [
    { to: "/staff", label: "Сотрудники", roles: ["sysadmin"] },
    { to: "/class-access", label: "Доступ классов", roles: ["deputy"] },
    { to: "/consents", label: "Согласия", roles: ["parent"] },
    {
      to: "/account",
      label: "Мой профиль",
      roles: [
        "sysadmin",
        "director",
        "deputy",
        "teacher",
        "class_teacher",
        "student",
        "parent",
        "district_inspector",
      ],
    },
  ],
};
