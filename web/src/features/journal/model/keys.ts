// The grid's keyboard: what a key press in a cell means.
import type { AttendanceCode } from "./types";

export type GridAction =
  | { kind: "move"; rows: number; columns: number }
  | { kind: "edge"; to: "row-start" | "row-end" | "first" | "last" }
  | { kind: "mark"; value: number }
  | { kind: "attendance"; code: AttendanceCode }
  | { kind: "remove" }
  | { kind: "pick" }
  | { kind: "unpick" }
  | { kind: "save" };

export type KeyPress = {
  key: string;
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
};

// The letters as typed on a Russian layout, and the same physical keys on an English one
// (a teacher who forgot to switch layouts: Н is on Y, Б on the comma, П on G, О on J), plus
// Latin H, which looks like Н.
const ATTENDANCE_BY_KEY: Record<string, AttendanceCode> = {
  н: "Н",
  б: "Б",
  п: "П",
  о: "ОП",
  h: "Н",
};
const ATTENDANCE_BY_CODE: Record<string, AttendanceCode> = {
  KeyY: "Н",
  Comma: "Б",
  KeyG: "П",
  KeyJ: "ОП",
};

const MOVES: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
  Enter: [1, 0],
};

export function keyAction(press: KeyPress): GridAction | null {
  const command = press.ctrlKey || press.metaKey;
  if (command && (press.key === "s" || press.key === "ы" || press.code === "KeyS")) {
    return { kind: "save" };
  }
  if (command || press.altKey) return null;
  const move = MOVES[press.key];
  if (move) {
    const [rows, columns] = move;
    return { kind: "move", rows: press.key === "Enter" && press.shiftKey ? -1 : rows, columns };
  }
  if (press.key === "Home") return { kind: "edge", to: "row-start" };
  if (press.key === "End") return { kind: "edge", to: "row-end" };
  if (press.key === "PageUp") return { kind: "edge", to: "first" };
  if (press.key === "PageDown") return { kind: "edge", to: "last" };
  if (press.key === "Delete" || press.key === "Backspace") return { kind: "remove" };
  // Space steps through the cell's marks (a digit then replaces the picked one, Delete
  // removes it) and back to none picked; Escape drops the pick.
  if (press.key === " " || press.key === "F2") return { kind: "pick" };
  if (press.key === "Escape") return { kind: "unpick" };
  if (/^[1-5]$/.test(press.key)) return { kind: "mark", value: Number(press.key) };
  const letter = press.key.toLowerCase();
  const byKey = ATTENDANCE_BY_KEY[letter];
  if (byKey) return { kind: "attendance", code: byKey };
  if (/^[a-z,]$/.test(letter) && press.code) {
    const byCode = ATTENDANCE_BY_CODE[press.code];
    if (byCode) return { kind: "attendance", code: byCode };
  }
  return null;
}

/** The cell a move lands on, kept inside the grid. */
export function moved(
  at: { row: number; column: number },
  action: GridAction,
  size: { rows: number; columns: number },
): { row: number; column: number } {
  const clamp = (value: number, max: number) => Math.max(0, Math.min(max - 1, value));
  if (action.kind === "move") {
    return { row: clamp(at.row + action.rows, size.rows), column: clamp(at.column + action.columns, size.columns) };
  }
  if (action.kind === "edge") {
    if (action.to === "row-start") return { row: at.row, column: 0 };
    if (action.to === "row-end") return { row: at.row, column: size.columns - 1 };
    if (action.to === "first") return { row: 0, column: at.column };
    return { row: size.rows - 1, column: at.column };
  }
  return at;
}
