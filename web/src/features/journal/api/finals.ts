import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { journal, unwrap, type JournalSchemas } from "../../../lib/api";
import { GRID_REASON, type PageRef } from "../model/types";

export type FinalsRow = JournalSchemas["schemas"]["StudentPeriodFinal"];
export type FinalValue = JournalSchemas["schemas"]["FinalMarkIn"]["value"];

export const FINAL_VALUES: FinalValue[] = [5, 4, 3, 2, 1, "н/а", "осв", "зч"];

function finalsKey(ref: PageRef) {
  return ["journal", "finals", ref.assignmentId, ref.periodId] as const;
}

/** The period's final marks with the suggested values (online only: they are set one by
 * one, not queued). */
export function useFinals(ref: PageRef) {
  return useQuery({
    queryKey: finalsKey(ref),
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/assignments/{assignment_id}/periods/{period_id}/finals", {
          params: { path: { assignment_id: ref.assignmentId, period_id: ref.periodId } },
        }),
      ),
    retry: false,
  });
}

export function useSetFinal(ref: PageRef) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ row, value }: { row: FinalsRow; value: FinalValue }) => {
      const version = row.final.version;
      return unwrap(
        await journal.PUT("/api/journal/assignments/{assignment_id}/periods/{period_id}/finals/{student_id}", {
          params: { path: { assignment_id: ref.assignmentId, period_id: ref.periodId, student_id: row.student_id } },
          body: { value, version, ...(version > 0 ? { reason: GRID_REASON } : {}) },
        }),
      );
    },
    onSettled: () => queries.invalidateQueries({ queryKey: finalsKey(ref) }),
  });
}
