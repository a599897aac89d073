// The archive's data, through the typed archive client: the school's sealed years, a
// year's files, the integrity check, downloads (the bytes checked by the server against
// their recorded SHA-256 first), and a family's report cards of archived years.
import { useMutation, useQuery } from "@tanstack/react-query";
import { ApiProblem, archive, retryUnlessRefused, unwrap } from "../../lib/api";
import type { components } from "../../api/generated/archive";
import { problemMessage } from "../../lib/problems";

type Schemas = components["schemas"];
export type ArchivedYear = Schemas["ArchivedYearOut"];
export type ArchivedYearDetail = Schemas["ArchivedYearDetailOut"];
export type ArchivedFile = Schemas["ArchivedFileOut"];
export type Integrity = Schemas["IntegrityOut"];
export type ReportCard = Schemas["ReportCardOut"];
export type ReportCardYears = Schemas["ReportCardYearsOut"];

export function useArchivedYears() {
  return useQuery({
    queryKey: ["archive", "years"],
    retry: retryUnlessRefused,
    queryFn: async () => unwrap(await archive.GET("/api/archive/years")),
  });
}

export function useArchivedYear(yearId: string) {
  return useQuery({
    queryKey: ["archive", "years", yearId],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(await archive.GET("/api/archive/years/{year_id}", { params: { path: { year_id: yearId } } })),
  });
}

/** The integrity check, run when asked ("Проверить"): it rereads every file. */
export function useIntegrityCheck(yearId: string) {
  return useMutation({
    mutationKey: ["archive", "integrity", yearId],
    mutationFn: async () =>
      unwrap(
        await archive.GET("/api/archive/years/{year_id}/integrity", {
          params: { path: { year_id: yearId } },
        }),
      ),
  });
}

/** A sealed file handed to the browser as a download (a plain link would carry no token). */
export async function downloadFile(yearId: string, file: ArchivedFile, fileName: string): Promise<void> {
  const result = await archive.GET("/api/archive/years/{year_id}/files/{file_id}", {
    params: { path: { year_id: yearId, file_id: file.file_id } },
    parseAs: "blob",
  });
  const blob = unwrap(result) as unknown as Blob;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// The archive's own refusals, in the words of the screen (lib/problems knows the common ones).
const ARCHIVE_PROBLEMS: Record<string, string> = {
  "archive-file-damaged": "файл повреждён или пропал из хранилища; запустите проверку целостности",
  "archive-file-purged": "файл удалён по истечении срока хранения",
  "archive-storage-unavailable": "хранилище архива сейчас недоступно, повторите позже",
  "year-not-sealed": "год ещё не запечатан в архив",
};

export function downloadFailure(error: unknown): string {
  const message = error instanceof ApiProblem ? ARCHIVE_PROBLEMS[error.slug] : undefined;
  return message ?? problemMessage(error);
}

export function useReportCardYears(studentId: string) {
  return useQuery({
    queryKey: ["archive", "report-cards", studentId],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await archive.GET("/api/archive/report-cards/{student_id}", {
          params: { path: { student_id: studentId } },
        }),
      ),
  });
}

export function useReportCard(yearId: string | null, studentId: string) {
  return useQuery({
    queryKey: ["archive", "report-cards", studentId, yearId],
    enabled: yearId !== null,
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await archive.GET("/api/archive/years/{year_id}/report-cards/{student_id}", {
          params: { path: { year_id: yearId ?? "", student_id: studentId } },
        }),
      ),
  });
}
