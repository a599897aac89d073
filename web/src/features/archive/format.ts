// What the archive's screens say about years, files and the integrity check: pure, so
// the tests hold it without a server.
import type { ArchivedFile, ArchivedYear, Integrity, ReportCard } from "./api";

export const STATUS_LABELS: Record<string, string> = {
  sealed: "Запечатан",
  pending: "Ожидает архивации",
  refused: "Не запечатан: выгрузка не сошлась",
};

export function statusLabel(year: Pick<ArchivedYear, "status">): string {
  return STATUS_LABELS[year.status] ?? year.status;
}

export const KIND_LABELS: Record<string, string> = {
  package: "Данные журнала (JSON)",
  pdf: "Журнал (PDF)",
  summary: "Сводная ведомость итоговых отметок",
  manifest: "Перечень файлов",
  signature: "Подпись перечня",
  public_key: "Открытый ключ школы",
  certificate: "Сертификат подписи PDF",
};

export function fileLabel(file: Pick<ArchivedFile, "kind" | "class_name">): string {
  const kind = KIND_LABELS[file.kind] ?? file.kind;
  return file.class_name ? `${kind}, ${file.class_name}` : kind;
}

/** The name a download is saved under: "5А-journal.pdf", "manifest.json". */
export function downloadName(file: Pick<ArchivedFile, "path" | "class_name">): string {
  const base = file.path.split("/").pop() ?? file.path;
  return file.class_name ? `${file.class_name}-${base}` : base;
}

export type ClassJournal = {
  classId: string;
  className: string;
  grade: number | null;
  pdf?: ArchivedFile;
  package?: ArchivedFile;
};

/** A year's class journals, each with its PDF and its package, in grade and name order. */
export function classJournals(files: readonly ArchivedFile[]): ClassJournal[] {
  const journals = new Map<string, ClassJournal>();
  for (const file of files) {
    if (!file.class_id || (file.kind !== "pdf" && file.kind !== "package")) continue;
    const journal = journals.get(file.class_id) ?? {
      classId: file.class_id,
      className: file.class_name ?? "—",
      grade: file.grade ?? null,
    };
    if (file.kind === "pdf") journal.pdf = file;
    else journal.package = file;
    journals.set(file.class_id, journal);
  }
  return [...journals.values()].sort(
    (a, b) => (a.grade ?? 99) - (b.grade ?? 99) || a.className.localeCompare(b.className, "ru"),
  );
}

/** The year's files that are not a class journal's (the summary, the manifest...). */
export function yearFiles(files: readonly ArchivedFile[]): ArchivedFile[] {
  return files.filter((file) => !file.class_id);
}

// The integrity check's findings (English, stable) in the words of the screen.
const PROBLEMS: [RegExp, string][] = [
  [/^missing$/, "файла нет в хранилище"],
  [/^SHA-256 differs/, "файл изменён: контрольная сумма не совпадает с перечнем"],
  [/^not in the manifest$/, "лишний файл: его нет в перечне"],
  [/^the signature does not hold/, "подпись перечня не сходится: перечень изменён или подписан чужим ключом"],
  [/^PDF signature/, "электронная подпись PDF недействительна"],
  [/^missing, or not the certificate/, "сертификата нет или он не тот, что назван в перечне"],
  [/^the database records another SHA-256$/, "в базе архива записана другая контрольная сумма"],
  [/^the retention record's signature/, "подпись записи об удалении по сроку хранения не сходится"],
  [/^not a manifest$/, "перечень файлов не читается"],
  [/^not an Ed25519 public key/, "открытый ключ школы не читается"],
];

export function problemText(problem: string): string {
  return PROBLEMS.find(([pattern]) => pattern.test(problem))?.[1] ?? `повреждение: ${problem}`;
}

export type FileResult = {
  path: string;
  label: string;
  state: "intact" | "damaged" | "purged";
  text: string;
};

/** Each file's result of a check: the year's recorded files, then what the check found
 * beyond them (a file slipped in, the public key). A file is intact when nothing names it. */
export function fileResults(files: readonly ArchivedFile[], report: Integrity): FileResult[] {
  const found = new Map<string, string[]>();
  for (const finding of report.findings) {
    found.set(finding.path, [...(found.get(finding.path) ?? []), problemText(finding.problem)]);
  }
  const purged = new Set(report.purged);
  const results: FileResult[] = files.map((file) => {
    const problems = found.get(file.path);
    found.delete(file.path);
    if (problems) return { path: file.path, label: fileLabel(file), state: "damaged", text: problems.join("; ") };
    if (purged.has(file.path) || file.purged_at)
      return { path: file.path, label: fileLabel(file), state: "purged", text: "удалён по истечении срока хранения" };
    return { path: file.path, label: fileLabel(file), state: "intact", text: "цел" };
  });
  for (const [path, problems] of found) {
    results.push({ path, label: path === "public key" ? "Открытый ключ школы" : path, state: "damaged", text: problems.join("; ") });
  }
  return results;
}

/** The one line over the results: "Архив цел: проверено файлов 6, подписей PDF 2". */
export function verdict(report: Integrity): string {
  const counts = `проверено файлов ${report.files_checked}, подписей PDF ${report.signatures_checked}`;
  if (report.intact) return `Архив цел: ${counts}.`;
  const n = report.findings.length;
  return `Архив повреждён: ${n} ${plural(n, "нарушение", "нарушения", "нарушений")}; ${counts}.`;
}

export function plural(n: number, one: string, few: string, many: string): string {
  const tens = n % 100;
  const units = n % 10;
  if (tens >= 11 && tens <= 14) return many;
  if (units === 1) return one;
  if (units >= 2 && units <= 4) return few;
  return many;
}

const DAY_WITH_YEAR = new Intl.DateTimeFormat("ru-RU", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** "2 сентября 2019 г.": an archived year's dates need their year. */
export function dayWithYear(date: string): string {
  return DAY_WITH_YEAR.format(new Date(`${date}T00:00:00Z`));
}

export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} Б`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(".", ",")} КБ`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} МБ`;
}

// --- report cards ---------------------------------------------------------------------

type Final = ReportCard["subjects"][number]["finals"][number];

const PERIOD_SHORT: Record<string, string> = { quarter: "четв.", half: "полуг.", trimester: "трим." };

export function periodColumn(final: Pick<Final, "period_kind" | "period_number">): string {
  if (!final.period_kind) return "Год";
  return `${final.period_number ?? ""} ${PERIOD_SHORT[final.period_kind] ?? final.period_kind}`.trim();
}

/** The report card as a table: the columns (periods in order, the year last) and per
 * subject its mark in each. */
export function reportCardTable(card: Pick<ReportCard, "subjects">): {
  columns: string[];
  rows: { subject: string; marks: string[] }[];
} {
  const order = new Map<string, number>();
  for (const subject of card.subjects) {
    for (const final of subject.finals) {
      const rank = final.period_kind ? (final.period_number ?? 0) : 1000;
      order.set(periodColumn(final), rank);
    }
  }
  const columns = [...order.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
  const rows = card.subjects.map((subject) => {
    const byColumn = new Map(subject.finals.map((f) => [periodColumn(f), f.value]));
    return { subject: subject.subject_name, marks: columns.map((c) => byColumn.get(c) ?? "") };
  });
  return { columns, rows };
}
