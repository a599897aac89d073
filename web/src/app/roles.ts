import type { Role } from "./feature";

export const ROLE_NAMES: Record<Role, string> = {
  sysadmin: "Администратор",
  director: "Директор",
  deputy: "Зам. директора по УВР",
  teacher: "Учитель",
  class_teacher: "Классный руководитель",
  student: "Ученик",
  parent: "Родитель",
  district_inspector: "Инспектор",
};

export function roleName(role: string): string {
  return ROLE_NAMES[role as Role] ?? role;
}

export function hasRole(roles: readonly string[], wanted: readonly Role[]): boolean {
  return roles.some((role) => (wanted as readonly string[]).includes(role));
}
