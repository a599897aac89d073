import { describe, expect, it } from "vitest";
import { keyAction, moved } from "./keys";

describe("the grid's keyboard", () => {
  it("adds a mark with the digits 1 to 5 and nothing else", () => {
    expect(keyAction({ key: "4" })).toEqual({ kind: "mark", value: 4 });
    expect(keyAction({ key: "1" })).toEqual({ kind: "mark", value: 1 });
    expect(keyAction({ key: "0" })).toBeNull();
    expect(keyAction({ key: "6" })).toBeNull();
  });

  it("sets attendance with the Russian letters in either case", () => {
    expect(keyAction({ key: "н" })).toEqual({ kind: "attendance", code: "Н" });
    expect(keyAction({ key: "Б" })).toEqual({ kind: "attendance", code: "Б" });
    expect(keyAction({ key: "п" })).toEqual({ kind: "attendance", code: "П" });
    expect(keyAction({ key: "о" })).toEqual({ kind: "attendance", code: "ОП" });
  });

  it("takes the same keys typed on an English layout, and Latin H for Н", () => {
    expect(keyAction({ key: "y", code: "KeyY" })).toEqual({ kind: "attendance", code: "Н" });
    expect(keyAction({ key: ",", code: "Comma" })).toEqual({ kind: "attendance", code: "Б" });
    expect(keyAction({ key: "g", code: "KeyG" })).toEqual({ kind: "attendance", code: "П" });
    expect(keyAction({ key: "j", code: "KeyJ" })).toEqual({ kind: "attendance", code: "ОП" });
    expect(keyAction({ key: "H", code: "KeyH" })).toEqual({ kind: "attendance", code: "Н" });
    expect(keyAction({ key: "x", code: "KeyX" })).toBeNull();
  });

  it("picks a mark in the cell with Space or F2 and drops the pick with Escape", () => {
    expect(keyAction({ key: " " })).toEqual({ kind: "pick" });
    expect(keyAction({ key: "F2" })).toEqual({ kind: "pick" });
    expect(keyAction({ key: "Escape" })).toEqual({ kind: "unpick" });
  });

  it("removes with Delete and Backspace, saves with Ctrl+S on either layout", () => {
    expect(keyAction({ key: "Delete" })).toEqual({ kind: "remove" });
    expect(keyAction({ key: "Backspace" })).toEqual({ kind: "remove" });
    expect(keyAction({ key: "s", ctrlKey: true })).toEqual({ kind: "save" });
    expect(keyAction({ key: "ы", ctrlKey: true, code: "KeyS" })).toEqual({ kind: "save" });
    expect(keyAction({ key: "4", ctrlKey: true })).toBeNull();
  });

  it("moves with the arrows and Enter, and stays inside the grid", () => {
    const size = { rows: 3, columns: 4 };
    const at = { row: 1, column: 1 };
    expect(moved(at, keyAction({ key: "ArrowRight" })!, size)).toEqual({ row: 1, column: 2 });
    expect(moved(at, keyAction({ key: "ArrowUp" })!, size)).toEqual({ row: 0, column: 1 });
    expect(moved(at, keyAction({ key: "Enter" })!, size)).toEqual({ row: 2, column: 1 });
    expect(moved(at, keyAction({ key: "Enter", shiftKey: true })!, size)).toEqual({ row: 0, column: 1 });
    expect(moved({ row: 0, column: 0 }, keyAction({ key: "ArrowLeft" })!, size)).toEqual({ row: 0, column: 0 });
    expect(moved({ row: 2, column: 3 }, keyAction({ key: "ArrowDown" })!, size)).toEqual({ row: 2, column: 3 });
    expect(moved(at, keyAction({ key: "End" })!, size)).toEqual({ row: 1, column: 3 });
    expect(moved(at, keyAction({ key: "Home" })!, size)).toEqual({ row: 1, column: 0 });
    expect(moved(at, keyAction({ key: "PageDown" })!, size)).toEqual({ row: 2, column: 1 });
  });
});
