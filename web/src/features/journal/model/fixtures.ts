// A small journal page for the unit tests.
import type { JournalPage } from "./types";

export const LESSON_1 = "00000000-0000-0000-0000-0000000000a1";
export const LESSON_2 = "00000000-0000-0000-0000-0000000000a2";
export const ANNA = "00000000-0000-0000-0000-0000000000b1";
export const BORIS = "00000000-0000-0000-0000-0000000000b2";
export const MARK_1 = "00000000-0000-0000-0000-0000000000c1";

export function aPage(): JournalPage {
  return {
    assignment: {
      assignment_id: "00000000-0000-0000-0000-0000000000d1",
      teacher_id: "00000000-0000-0000-0000-0000000000d2",
      class_id: "00000000-0000-0000-0000-0000000000d3",
      class_name: "5А",
      subject_id: "00000000-0000-0000-0000-0000000000d4",
      subject_name: "Математика",
    },
    period: {
      period_id: "00000000-0000-0000-0000-0000000000e1",
      kind: "quarter",
      number: 2,
      starts_on: "2026-11-05",
      ends_on: "2026-12-28",
      closed: false,
    },
    students: [
      { student_id: ANNA, last_name: "Антонова", first_name: "Анна", middle_name: null, enrollments: [{ starts_on: "2026-09-01", ends_on: null }] },
      { student_id: BORIS, last_name: "Борисов", first_name: "Борис", middle_name: null, enrollments: [{ starts_on: "2026-09-01", ends_on: null }] },
    ],
    lessons: [
      { lesson_id: LESSON_1, date: "2026-12-01", lesson_number: 2, topic: null, plan_item_id: null, homework: null, version: 1, locked: false },
      { lesson_id: LESSON_2, date: "2026-12-02", lesson_number: 3, topic: null, plan_item_id: null, homework: null, version: 1, locked: false },
    ],
    cells: [
      {
        lesson_id: LESSON_1,
        student_id: ANNA,
        marks: [{ mark_id: MARK_1, work_type: "test", value: 5, version: 1 }],
        attendance: null,
      },
      { lesson_id: LESSON_1, student_id: BORIS, marks: [], attendance: { code: "Н", version: 1 } },
    ],
    work_types: [
      { code: "answer", name: "Ответ на уроке", weight: 1 },
      { code: "test", name: "Контрольная работа", weight: 3 },
    ],
    plan_items: [],
  } as JournalPage;
}
