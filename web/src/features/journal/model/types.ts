import type { JournalSchemas } from "../../../lib/api";

type S = JournalSchemas["schemas"];
export type JournalPage = S["JournalPage"];
export type PageLesson = S["PageLesson"];
export type PageStudent = S["PageStudent"];
export type PageCell = S["PageCell"];
export type WorkType = S["PageWorkType"];
export type AttendanceCode = "Н" | "Б" | "П" | "ОП";
export type Change =
  | S["AddMark"]
  | S["ChangeMark"]
  | S["RemoveMark"]
  | S["SetAttendance"]
  | S["ClearAttendance"]
  | S["EditLesson"];

/** A page of the journal: one assignment in one period. */
export type PageRef = { assignmentId: string; periodId: string };

export function pageId(ref: PageRef): string {
  return `${ref.assignmentId}/${ref.periodId}`;
}

/** A change the teacher made, kept (in IndexedDB) until the server has it. */
export type QueuedChange = {
  id: string;
  page: string;
  change: Change;
  /** pending: to be sent; conflict: the server holds something newer (409);
   * refused: the server refused it (422). Only pending ones are sent. */
  status: "pending" | "conflict" | "refused";
  /** The idempotency key of the save it was sent in, while that save is not answered. */
  batch?: string;
  /** For a conflict: the cell, mark or lesson as the server holds it now. */
  current?: unknown;
  /** For a refusal: the server's reason. */
  problem?: { type?: string; title?: string; detail?: string };
  at: number;
};

/** The reason recorded with a correction made from the grid (the API requires one). */
export const GRID_REASON = "Исправление в журнале";
