// The reports' data: every call through the typed reporting client, every answer of the
// types generated from reporting's OpenAPI document. A report's 200 is JSON or, with
// `format`, a file: the JSON calls narrow it to the JSON body.
import { useQuery } from "@tanstack/react-query";
import { reporting, retryUnlessRefused, unwrap } from "../../lib/api";
import type { components } from "../../api/generated/reporting";
import type { ControlReport } from "./findings";

export type Schemas = components["schemas"];
export type Indicators = Schemas["IndicatorsOut"];
export type Progress = Schemas["ProgressOut"];
export type SchoolPeriods = Schemas["SchoolPeriodsOut"];
export type SchoolPeriod = Schemas["SchoolPeriodOut"];
export type FileFormat = "json" | "csv" | "xlsx" | "pdf";

export type QuarterCheck = Schemas["QuarterCheckOut"];
export type QuarterCheckRow = Schemas["QuarterCheckRowOut"];
export type Attendance = Schemas["AttendanceOut"];
export type AttendanceClass = Schemas["AttendanceClassOut"];
export type Activity = Schemas["ActivityOut"];
export type Snapshot = Schemas["SnapshotOut"];

export function useSchoolPeriods() {
  return useQuery({
    queryKey: ["reports", "periods"],
    retry: retryUnlessRefused,
    staleTime: 10 * 60_000,
    queryFn: async () => unwrap(await reporting.GET("/api/reporting/periods")),
  });
}

export type Scope = { class_id?: string; grade?: number };

export function progressQuery(periodId: string | null, yearId: string | null, scope: Scope) {
  return {
    ...(periodId ? { period_id: periodId } : { year_id: yearId ?? "" }),
    ...(scope.class_id ? { class_id: scope.class_id } : {}),
    ...(scope.grade ? { grade: scope.grade } : {}),
  };
}

export function fetchProgress(query: ReturnType<typeof progressQuery>) {
  return reporting
    .GET("/api/reporting/progress", { params: { query } })
    .then((result) => unwrap(result) as Progress);
}

export function useProgress(periodId: string | null, yearId: string | null, scope: Scope) {
  const query = progressQuery(periodId, yearId, scope);
  return useQuery({
    queryKey: ["reports", "progress", query],
    enabled: periodId !== null || yearId !== null,
    retry: retryUnlessRefused,
    queryFn: () => fetchProgress(query),
  });
}

export function useAttendance(periodId: string | null, classId: string | undefined) {
  const query = { period_id: periodId ?? "", ...(classId ? { class_id: classId } : {}) };
  return useQuery({
    queryKey: ["reports", "attendance", query],
    enabled: periodId !== null,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(await reporting.GET("/api/reporting/attendance", { params: { query } })) as Attendance,
  });
}

export function useActivity(week: string, enabled: boolean) {
  return useQuery({
    queryKey: ["reports", "activity", week],
    enabled,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(await reporting.GET("/api/reporting/activity", { params: { query: { week } } })) as Activity,
  });
}

export type ControlQuery = { month: string; class_id?: string };

export function useJournalControl(query: ControlQuery) {
  return useQuery({
    queryKey: ["reports", "journal-control", query],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(await reporting.GET("/api/reporting/journal-control", { params: { query } })) as ControlReport,
  });
}

export type CheckQuery = { period_id: string; class_id?: string };

export function useQuarterCheck(query: CheckQuery | null) {
  return useQuery({
    queryKey: ["reports", "quarter-check", query],
    enabled: query !== null,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await reporting.GET("/api/reporting/quarter-check", {
          params: { query: query ?? { period_id: "" } },
        }),
      ) as QuarterCheck,
  });
}

export function useSnapshots(enabled: boolean) {
  return useQuery({
    queryKey: ["reports", "snapshots"],
    enabled,
    retry: retryUnlessRefused,
    queryFn: async () => unwrap(await reporting.GET("/api/reporting/snapshots", { params: { query: { limit: 50 } } })),
  });
}

/** One report's file in a format: the request with the session's token (a plain link
 * would carry none), its answer handed to the browser as a download. */
export type FileRequest = (format: FileFormat) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export const FILES = {
  progress: (query: ReturnType<typeof progressQuery>): FileRequest => (format) =>
    reporting.GET("/api/reporting/progress", { params: { query: { ...query, format } }, parseAs: "blob" }),
  attendance: (query: { period_id: string; class_id?: string }): FileRequest => (format) =>
    reporting.GET("/api/reporting/attendance", { params: { query: { ...query, format } }, parseAs: "blob" }),
  activity: (week: string): FileRequest => (format) =>
    reporting.GET("/api/reporting/activity", { params: { query: { week, format } }, parseAs: "blob" }),
  journalControl: (query: ControlQuery): FileRequest => (format) =>
    reporting.GET("/api/reporting/journal-control", { params: { query: { ...query, format } }, parseAs: "blob" }),
  quarterCheck: (query: CheckQuery): FileRequest => (format) =>
    reporting.GET("/api/reporting/quarter-check", { params: { query: { ...query, format } }, parseAs: "blob" }),
  snapshot: (reportId: string): FileRequest => (format) =>
    reporting.GET("/api/reporting/snapshots/{report_id}", {
      params: { path: { report_id: reportId }, query: { format } },
      parseAs: "blob",
    }),
};

export async function download(request: FileRequest, format: FileFormat, fileName: string): Promise<void> {
  const blob = unwrap(await request(format)) as Blob;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
