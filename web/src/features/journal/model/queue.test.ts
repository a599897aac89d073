import "fake-indexeddb/auto";
import { beforeEach, describe, expect, it } from "vitest";
import { ANNA, BORIS, LESSON_1, LESSON_2, MARK_1, aPage } from "./fixtures";
import { JournalQueue } from "./queue";

const PAGE = "assignment/period";
let queue: JournalQueue;
let name = 0;

beforeEach(() => {
  name += 1;
  queue = JournalQueue.open(`test-${name}`);
});

describe("the offline queue", () => {
  it("keeps changes in the order they were made, across a reopening", async () => {
    const page = aPage();
    await queue.add(PAGE, { op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 4, work_type: "answer" }, page);
    await queue.add(PAGE, { op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 5, work_type: "answer" }, page);
    await queue.add(PAGE, { op: "set_attendance", lesson_id: LESSON_2, student_id: BORIS, code: "Б", version: 0 }, page);

    const reopened = JournalQueue.open(`test-${name}`);
    const changes = await reopened.list(PAGE);
    expect(changes.map((c) => c.change.op)).toEqual(["add_mark", "add_mark", "set_attendance"]);
    expect(changes.every((c) => c.status === "pending")).toBe(true);
  });

  it("replaces an unsent change of the same cell, and forgets a change back to the server's", async () => {
    const page = aPage();
    await queue.add(PAGE, { op: "set_attendance", lesson_id: LESSON_2, student_id: BORIS, code: "Б", version: 0 }, page);
    await queue.add(PAGE, { op: "set_attendance", lesson_id: LESSON_2, student_id: BORIS, code: "Н", version: 0 }, page);
    expect((await queue.list(PAGE)).map((c) => c.change)).toMatchObject([{ code: "Н" }]);

    await queue.add(PAGE, { op: "clear_attendance", lesson_id: LESSON_2, student_id: BORIS, reason: "x", version: 0 }, page);
    expect(await queue.list(PAGE)).toEqual([]);
  });

  it("sends one save at a time and repeats it as it was until it is answered", async () => {
    const page = aPage();
    await queue.add(PAGE, { op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 4, work_type: "answer" }, page);
    const first = await queue.batch(PAGE);
    await queue.add(PAGE, { op: "add_mark", lesson_id: LESSON_1, student_id: BORIS, value: 3, work_type: "answer" }, page);
    const again = await queue.batch(PAGE);

    expect(again!.key).toBe(first!.key);
    expect(again!.entries.map((e) => e.id)).toEqual(first!.entries.map((e) => e.id));

    await queue.saved(PAGE, first!.key, [{ index: 0, result: { mark_id: "m", version: 1 } }]);
    const next = await queue.batch(PAGE);
    expect(next!.key).not.toBe(first!.key);
    expect(next!.entries.map((e) => e.change)).toMatchObject([{ student_id: BORIS, value: 3 }]);
  });

  it("builds a later change on the version its saved predecessor made", async () => {
    const page = aPage();
    await queue.add(PAGE, { op: "change_mark", mark_id: MARK_1, value: 4, reason: "x", version: 1 }, page);
    const sent = await queue.batch(PAGE);
    await queue.add(PAGE, { op: "change_mark", mark_id: MARK_1, value: 3, reason: "x", version: 1 }, page);
    await queue.saved(PAGE, sent!.key, [{ index: 0, result: { version: 2 } }]);

    expect((await queue.list(PAGE)).map((c) => c.change)).toMatchObject([{ value: 3, version: 2 }]);
  });

  it("marks the changes a refused save names and sends the others in a new save", async () => {
    const page = aPage();
    await queue.add(PAGE, { op: "add_mark", lesson_id: LESSON_1, student_id: ANNA, value: 4, work_type: "answer" }, page);
    await queue.add(PAGE, { op: "set_attendance", lesson_id: LESSON_1, student_id: BORIS, code: "Б", version: 0 }, page);
    const sent = await queue.batch(PAGE);
    const current = { code: "П", version: 2 };
    await queue.refused(PAGE, sent!.key, new Map([[1, { status: "conflict" as const, current }]]));

    const changes = await queue.list(PAGE);
    expect(changes.map((c) => [c.change.op, c.status, c.batch])).toEqual([
      ["add_mark", "pending", undefined],
      ["set_attendance", "conflict", undefined],
    ]);
    expect(changes[1]!.current).toEqual(current);
    const next = await queue.batch(PAGE);
    expect(next!.key).not.toBe(sent!.key);
    expect(next!.entries.map((e) => e.change.op)).toEqual(["add_mark"]);
  });

  it("keeps the page it was made on for a reload with no network", async () => {
    await queue.keepPage(PAGE, aPage());
    expect((await queue.keptPage(PAGE))!.students).toHaveLength(2);
    expect(await queue.keptPage("another")).toBeNull();
  });
});
