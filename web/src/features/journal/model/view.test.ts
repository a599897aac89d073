import { describe, expect, it } from "vitest";
import { ANNA, BORIS, LESSON_1, LESSON_2, MARK_1, aPage } from "./fixtures";
import type { Change, QueuedChange } from "./types";
import { cellKey, cellViews, formatAverage, unsavedLabel, weightedAverage } from "./view";

let n = 0;
function queued(change: Change, status: QueuedChange["status"] = "pending"): QueuedChange {
  n += 1;
  return { id: `q${n}`, page: "p", change, status, at: n };
}

describe("what the grid shows", () => {
  it("lays unsaved marks and attendance over the server's cells", () => {
    const page = aPage();
    const views = cellViews(page, [
      queued({ op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 4, work_type: "answer" }),
      queued({ op: "set_attendance", lesson_id: LESSON_2, student_id: BORIS, code: "Б", version: 0 }),
      queued({ op: "clear_attendance", lesson_id: LESSON_1, student_id: BORIS, reason: "x", version: 1 }),
    ]);

    const anna = views.get(cellKey(LESSON_1, ANNA))!;
    expect(anna.marks.map((m) => [m.value, m.unsaved])).toEqual([
      [5, false],
      [4, true],
    ]);
    expect(views.get(cellKey(LESSON_2, BORIS))!.attendance).toBe("Б");
    expect(views.get(cellKey(LESSON_1, BORIS))!.attendance).toBeNull();
    expect(views.get(cellKey(LESSON_1, BORIS))!.attendanceUnsaved).toBe(true);
  });

  it("shows a removed or changed mark as the teacher left it", () => {
    const page = aPage();
    const changed = cellViews(page, [queued({ op: "change_mark", mark_id: MARK_1, value: 3, reason: "x", version: 1 })]);
    expect(changed.get(cellKey(LESSON_1, ANNA))!.marks.map((m) => m.value)).toEqual([3]);
    const removed = cellViews(page, [queued({ op: "remove_mark", mark_id: MARK_1, reason: "x", version: 1 })]);
    expect(removed.get(cellKey(LESSON_1, ANNA))!.marks).toEqual([]);
  });

  it("keeps a conflicting change beside the server's value instead of applying it", () => {
    const page = aPage();
    const conflict = queued({ op: "set_attendance", lesson_id: LESSON_1, student_id: BORIS, code: "Б", version: 0 }, "conflict");
    const cell = cellViews(page, [conflict]).get(cellKey(LESSON_1, BORIS))!;
    expect(cell.attendance).toBe("Н");
    expect(cell.troubles).toEqual([conflict]);
  });
});

describe("the averages shown", () => {
  const workTypes = aPage().work_types;

  it("weighs each mark by its work type", () => {
    // (5 × 3 + 4 × 1 + 3 × 1) / 5
    const marks = [
      { value: 5, workType: "test" },
      { value: 4, workType: "answer" },
      { value: 3, workType: "answer" },
    ];
    expect(weightedAverage(marks, workTypes)).toBeCloseTo(4.4);
    expect(formatAverage(weightedAverage(marks, workTypes))).toBe("4,40");
  });

  it("counts a work type no longer listed with weight 1, and has none without marks", () => {
    expect(weightedAverage([{ value: 2, workType: "gone" }, { value: 5, workType: "test" }], workTypes)).toBeCloseTo(4.25);
    expect(weightedAverage([], workTypes)).toBeNull();
    expect(formatAverage(null)).toBe("—");
    expect(formatAverage(4.666)).toBe("4,67");
  });
});

describe("the queue's count", () => {
  it("is said with the Russian plural", () => {
    expect(unsavedLabel(1)).toBe("1 несохранённое изменение");
    expect(unsavedLabel(3)).toBe("3 несохранённых изменения");
    expect(unsavedLabel(5)).toBe("5 несохранённых изменений");
    expect(unsavedLabel(11)).toBe("11 несохранённых изменений");
    expect(unsavedLabel(21)).toBe("21 несохранённое изменение");
    expect(unsavedLabel(22)).toBe("22 несохранённых изменения");
  });
});
