// The dashboard's scope (the school, a parallel, a class) and the period shown first.
import type { Indicators, Progress, SchoolPeriod } from "./api";

export type DashboardScope =
  | { kind: "school" }
  | { kind: "grade"; grade: number }
  | { kind: "class"; classId: string };

/** "school", "grade:5", "class:<id>" (the URL's `scope`); anything else is the school. */
export function parseScope(text: string | null): DashboardScope {
  const [kind, value] = (text ?? "").split(":", 2);
  if (kind === "grade" && /^\d{1,2}$/.test(value ?? "")) return { kind: "grade", grade: Number(value) };
  if (kind === "class" && value) return { kind: "class", classId: value };
  return { kind: "school" };
}

/** The scope's figures in a school-wide progress report. */
export function scopeFigures(progress: Progress, scope: DashboardScope): Indicators | undefined {
  if (scope.kind === "grade") return progress.parallels.find((p) => p.grade === scope.grade);
  if (scope.kind === "class") return progress.classes.find((c) => c.class_id === scope.classId);
  return progress.school ?? undefined;
}

export function scopeLabel(scope: DashboardScope, progress: Progress | undefined): string {
  if (scope.kind === "grade") return `${scope.grade}-е классы`;
  if (scope.kind === "class") {
    const name = progress?.classes.find((c) => c.class_id === scope.classId)?.class_name;
    return name ? `${name} класс` : "класс";
  }
  return "вся школа";
}

/** The quarter holding today, else the last quarter begun, else the first period. */
export function currentPeriodOf(periods: SchoolPeriod[], today: string): SchoolPeriod | undefined {
  const quarters = periods.filter((p) => p.kind === "quarter");
  const pool = quarters.length > 0 ? quarters : periods;
  return (
    pool.find((p) => p.starts_on <= today && today <= p.ends_on) ??
    [...pool].reverse().find((p) => p.starts_on <= today) ??
    pool[0]
  );
}

/** The period a check at a period's end looks at first: the last quarter ended by today,
 * else the one running (early in the year). */
export function lastEndedPeriodOf(periods: SchoolPeriod[], today: string): SchoolPeriod | undefined {
  const quarters = periods.filter((p) => p.kind === "quarter");
  const pool = quarters.length > 0 ? quarters : periods;
  return [...pool].reverse().find((p) => p.ends_on < today) ?? currentPeriodOf(periods, today);
}
