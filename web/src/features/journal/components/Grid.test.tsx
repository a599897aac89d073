import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ANNA, BORIS, LESSON_1, LESSON_2, MARK_1, aPage } from "../model/fixtures";
import type { Change, QueuedChange } from "../model/types";
import { cellViews } from "../model/view";
import { Grid } from "./Grid";

afterEach(cleanup);

function renderGrid(queue: QueuedChange[] = []) {
  const page = aPage();
  const onChange = vi.fn<(change: Change) => void>();
  const onDrop = vi.fn<(id: string) => void>();
  const onSave = vi.fn();
  render(
    <Grid
      page={page}
      views={cellViews(page, queue)}
      workType="test"
      startLessonId={LESSON_1}
      finals={null}
      finalsEditable={false}
      onChange={onChange}
      onDrop={onDrop}
      onOpenLesson={() => {}}
      onSave={onSave}
      onSetFinal={() => {}}
    />,
  );
  return { onChange, onDrop, onSave };
}

const cell = (name: RegExp) => screen.getByRole("gridcell", { name });

/** Anna's unsaved 3 in the first lesson, beside her saved 5. */
function unsavedThreeForAnna(): QueuedChange {
  return {
    id: "q1",
    page: "p",
    status: "pending",
    at: 1,
    change: { op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 3, work_type: "answer" },
  };
}

describe("the journal grid's keyboard", () => {
  it("adds a mark of the chosen work type with a digit", () => {
    const { onChange } = renderGrid();
    fireEvent.keyDown(cell(/^Борисов Борис, 01\.12/), { key: "4" });
    expect(onChange).toHaveBeenCalledWith({ op: "add_mark", lesson_id: LESSON_1, student_id: BORIS, value: 4, work_type: "test" });
  });

  it("sets attendance from a Russian letter, with a reason when it changes a code", () => {
    const { onChange } = renderGrid();
    fireEvent.keyDown(cell(/^Антонова Анна, 02\.12/), { key: "б", code: "Comma" });
    expect(onChange).toHaveBeenLastCalledWith({ op: "set_attendance", lesson_id: LESSON_2, student_id: ANNA, code: "Б", version: 0 });
    fireEvent.keyDown(cell(/^Борисов Борис, 01\.12/), { key: "п", code: "KeyG" });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ op: "set_attendance", code: "П", version: 1, reason: expect.any(String) }),
    );
  });

  it("removes the last mark with Delete: an unsaved one leaves the queue, a saved one is removed", () => {
    const queued = unsavedThreeForAnna();
    const first = renderGrid([queued]);
    fireEvent.keyDown(cell(/^Антонова Анна, 01\.12/), { key: "Delete" });
    expect(first.onDrop).toHaveBeenCalledWith("q1");
    cleanup();

    const second = renderGrid();
    fireEvent.keyDown(cell(/^Антонова Анна, 01\.12/), { key: "Backspace" });
    expect(second.onChange).toHaveBeenCalledWith(expect.objectContaining({ op: "remove_mark", mark_id: MARK_1, version: 1 }));
  });

  it("corrects a saved mark in place: Space picks it, a digit replaces its value", () => {
    const { onChange } = renderGrid();
    const start = cell(/^Антонова Анна, 01\.12/);
    fireEvent.keyDown(start, { key: " " });
    expect(cell(/^Антонова Анна, 01\.12: 5 \(выбрана\)$/)).toBeTruthy();
    fireEvent.keyDown(start, { key: "4" });
    expect(onChange).toHaveBeenCalledWith({ op: "change_mark", mark_id: MARK_1, value: 4, reason: expect.any(String), version: 1 });
    expect(onChange).not.toHaveBeenCalledWith(expect.objectContaining({ op: "add_mark" }));
  });

  it("steps through a cell's marks with Space and back to adding; Escape and moves drop the pick", () => {
    const queued = unsavedThreeForAnna();
    const { onChange, onDrop } = renderGrid([queued]);
    const start = cell(/^Антонова Анна, 01\.12/);
    fireEvent.keyDown(start, { key: " " });
    fireEvent.keyDown(start, { key: " " });
    expect(start.getAttribute("aria-label")).toMatch(/5, 3 \(не сохранено\) \(выбрана\)$/);
    // the picked mark is not saved yet: it is replaced in the queue, not corrected
    fireEvent.keyDown(start, { key: "2" });
    expect(onDrop).toHaveBeenCalledWith("q1");
    expect(onChange).toHaveBeenLastCalledWith({ ...queued.change, value: 2 });
    fireEvent.keyDown(start, { key: "Escape" });
    expect(start.getAttribute("aria-label")).not.toMatch(/выбрана/);
    fireEvent.keyDown(start, { key: " " });
    fireEvent.keyDown(start, { key: "ArrowRight" });
    fireEvent.keyDown(cell(/^Антонова Анна, 02\.12/), { key: "ArrowLeft" });
    expect(cell(/^Антонова Анна, 01\.12/).getAttribute("aria-label")).not.toMatch(/выбрана/);
  });

  it("removes the picked mark, not the last, with Delete", () => {
    const queued = unsavedThreeForAnna();
    const { onChange, onDrop } = renderGrid([queued]);
    const start = cell(/^Антонова Анна, 01\.12/);
    fireEvent.keyDown(start, { key: " " });
    fireEvent.keyDown(start, { key: "Delete" });
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ op: "remove_mark", mark_id: MARK_1 }));
    expect(onDrop).not.toHaveBeenCalled();
  });

  it("moves the focus with the arrows and keeps one cell in the tab order", () => {
    renderGrid();
    const start = cell(/^Антонова Анна, 01\.12/);
    start.focus();
    fireEvent.keyDown(start, { key: "ArrowRight" });
    expect(document.activeElement).toBe(cell(/^Антонова Анна, 02\.12/));
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(cell(/^Борисов Борис, 02\.12/));
    expect(screen.getAllByRole("gridcell").filter((c) => c.tabIndex === 0)).toHaveLength(1);
  });

  it("saves with Ctrl+S and names each cell's content for screen readers", () => {
    const { onSave } = renderGrid();
    fireEvent.keyDown(cell(/^Антонова Анна, 01\.12: 5$/), { key: "s", ctrlKey: true });
    expect(onSave).toHaveBeenCalled();
    expect(cell(/^Борисов Борис, 01\.12: Н$/)).toBeTruthy();
  });
});
