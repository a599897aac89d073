import type { PageLesson, PageStudent } from "./types";

/** Whether the student was in the class on the lesson's date (else the cell takes nothing). */
export function applicable(student: PageStudent, lesson: PageLesson): boolean {
  return student.enrollments.some((e) => e.starts_on <= lesson.date && (e.ends_on === null || lesson.date <= e.ends_on));
}

export function studentName(student: PageStudent): string {
  return `${student.last_name} ${student.first_name}`;
}
