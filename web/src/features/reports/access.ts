// Who sees which of the reports' screens (the server decides what each sees in them).
import type { Role } from "../../app/feature";
import { hasRole } from "../../app/roles";

export const ADMINISTRATION: Role[] = ["director", "deputy"];
export const STAFF: Role[] = ["director", "deputy", "teacher", "class_teacher"];

export type Tab = { to: string; label: string; roles: Role[]; end?: boolean };

export const TABS: Tab[] = [
  { to: "/reports", label: "Показатели", roles: ADMINISTRATION, end: true },
  { to: "/reports/control", label: "Контроль журналов", roles: STAFF },
  { to: "/reports/quarter-check", label: "Итоги периода", roles: STAFF },
  { to: "/reports/snapshots", label: "Готовые отчёты", roles: ADMINISTRATION },
];

export function tabsFor(roles: readonly string[]): Tab[] {
  return TABS.filter((tab) => hasRole(roles, tab.roles));
}

/** The tab a path belongs to, or undefined for a path outside the reports. */
export function tabOf(path: string): Tab | undefined {
  const clean = path.replace(/\/+$/, "") || "/";
  return TABS.find((tab) => tab.to === clean);
}
