import { journal, unwrap, type JournalSchemas } from "../../../lib/api";

type Schemas = JournalSchemas["schemas"];
export type JournalPage = Schemas["JournalPage"];

export function pageKey(assignmentId: string, periodId: string) {
  return ["journal", "page", assignmentId, periodId] as const;
}

export async function fetchPage(assignmentId: string, periodId: string): Promise<JournalPage> {
  return unwrap(
    await journal.GET("/api/journal/assignments/{assignment_id}/periods/{period_id}/page", {
      params: { path: { assignment_id: assignmentId, period_id: periodId } },
    }),
  );
}
