// Who reads what of the archive (the server decides; these only choose the screens).
import type { Role } from "../../app/feature";
import { hasRole } from "../../app/roles";

/** The school's archive: the years and the integrity status. */
export const LISTERS: Role[] = ["director", "deputy", "sysadmin"];
/** Those who also download the files (the system administrator does not read grades). */
export const DOWNLOADERS: Role[] = ["director", "deputy"];
export const FAMILY: Role[] = ["student", "parent"];

export const canList = (roles: readonly string[]) => hasRole(roles, LISTERS);
export const canDownload = (roles: readonly string[]) => hasRole(roles, DOWNLOADERS);
export const isFamily = (roles: readonly string[]) => hasRole(roles, FAMILY);

/** The students whose archived report cards the user reads: a parent's children, a
 * student's own. */
export function familyStudents(me: { roles: readonly string[]; children: readonly string[]; person_id?: string | null }): string[] {
  if (me.roles.includes("parent")) return [...me.children];
  if (me.roles.includes("student") && me.person_id) return [me.person_id];
  return [];
}
