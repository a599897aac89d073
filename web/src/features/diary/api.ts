// The diary's data: every call through the typed journal client.
import { useQuery } from "@tanstack/react-query";
import { journal, reporting, retryUnlessRefused, unwrap } from "../../lib/api";
import type { Week } from "../../lib/week";

export function useDiaryWeek(studentId: string, week: Week, enabled = true) {
  return useQuery({
    queryKey: ["diary", studentId, "week", week.from],
    enabled,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/diary/{student_id}", {
          params: { path: { student_id: studentId }, query: { from: week.from, to: week.to } },
        }),
      ),
  });
}

export function useHomeworkDue(studentId: string, from: string, to: string) {
  return useQuery({
    queryKey: ["diary", studentId, "homework", from, to],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/diary/{student_id}/homework", {
          params: { path: { student_id: studentId }, query: { from, to } },
        }),
      ),
  });
}

export function useDiaryYears(studentId: string) {
  return useQuery({
    queryKey: ["diary", studentId, "years"],
    retry: retryUnlessRefused,
    staleTime: 10 * 60_000,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/diary/{student_id}/years", {
          params: { path: { student_id: studentId } },
        }),
      ),
  });
}

export function useDiaryPeriod(studentId: string, periodId: string | null) {
  return useQuery({
    queryKey: ["diary", studentId, "period", periodId],
    enabled: periodId !== null,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/diary/{student_id}/periods/{period_id}", {
          params: { path: { student_id: studentId, period_id: periodId ?? "" } },
        }),
      ),
  });
}

export function useDiaryFinals(studentId: string, yearId: string | null) {
  return useQuery({
    queryKey: ["diary", studentId, "finals", yearId],
    enabled: yearId !== null,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/diary/{student_id}/years/{year_id}/finals", {
          params: { path: { student_id: studentId, year_id: yearId ?? "" } },
        }),
      ),
  });
}

/** Download an attachment with the session's token and hand it to the browser. */
export async function downloadAttachment(attachmentId: string, fileName: string): Promise<void> {
  const blob = unwrap(
    await journal.GET("/api/journal/homework/attachments/{attachment_id}", {
      params: { path: { attachment_id: attachmentId } },
      parseAs: "blob",
    }),
  );
  saveBlob(blob, fileName);
}

/** The student's report card for a period from reporting, as a PDF or a spreadsheet. */
export async function downloadReportCard(
  studentId: string,
  periodId: string,
  format: "pdf" | "xlsx",
  fileName: string,
): Promise<void> {
  const blob = unwrap(
    await reporting.GET("/api/reporting/students/{student_id}/report-card", {
      params: { path: { student_id: studentId }, query: { period_id: periodId, format } },
      parseAs: "blob",
    }),
  );
  saveBlob(blob as Blob, fileName);
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
