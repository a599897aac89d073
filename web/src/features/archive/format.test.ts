import { describe, expect, it } from "vitest";
import { familyStudents } from "./access";
import type { ArchivedFile, Integrity } from "./api";
import {
  classJournals,
  dayWithYear,
  downloadName,
  fileResults,
  periodColumn,
  plural,
  problemText,
  reportCardTable,
  sizeLabel,
  statusLabel,
  verdict,
  yearFiles,
} from "./format";

function file(path: string, kind: string, about: Partial<ArchivedFile> = {}): ArchivedFile {
  return {
    file_id: `id-${path}`,
    kind,
    path,
    class_id: null,
    class_name: null,
    grade: null,
    sha256: "0".repeat(64),
    size: 2048,
    stored_at: "2027-06-01T10:00:00Z",
    purged_at: null,
    ...about,
  } as ArchivedFile;
}

const A5 = { class_id: "c5a", class_name: "5А", grade: 5 };
const B10 = { class_id: "c10b", class_name: "10Б", grade: 10 };
const FILES = [
  file("classes/c10b/journal.pdf", "pdf", B10),
  file("classes/c10b/journal.jsonl.zip", "package", B10),
  file("classes/c5a/journal.jsonl.zip", "package", A5),
  file("classes/c5a/journal.pdf", "pdf", A5),
  file("summary.jsonl.zip", "summary"),
  file("manifest.json", "manifest"),
  file("manifest.json.sig", "signature"),
];

function report(about: Partial<Integrity> = {}): Integrity {
  return {
    year_id: "y",
    intact: true,
    files_checked: 6,
    signatures_checked: 2,
    purged: [],
    findings: [],
    ...about,
  } as Integrity;
}

describe("a year's files", () => {
  it("groups the class journals by class, lower grades first", () => {
    const journals = classJournals(FILES);
    expect(journals.map((j) => j.className)).toEqual(["5А", "10Б"]);
    expect(journals[0]?.pdf?.path).toBe("classes/c5a/journal.pdf");
    expect(journals[0]?.package?.path).toBe("classes/c5a/journal.jsonl.zip");
    expect(yearFiles(FILES).map((f) => f.kind)).toEqual(["summary", "manifest", "signature"]);
  });

  it("names downloads after the class", () => {
    expect(downloadName(file("classes/c5a/journal.pdf", "pdf", A5))).toBe("5А-journal.pdf");
    expect(downloadName(file("manifest.json", "manifest"))).toBe("manifest.json");
  });

  it("says a year's state and a file's size in Russian", () => {
    expect(statusLabel({ status: "sealed" })).toBe("Запечатан");
    expect(statusLabel({ status: "pending" })).toBe("Ожидает архивации");
    expect(dayWithYear("2019-09-02")).toBe("2 сентября 2019 г.");
    expect(sizeLabel(512)).toBe("512 Б");
    expect(sizeLabel(2048)).toBe("2,0 КБ");
    expect(sizeLabel(3 * 1024 * 1024)).toBe("3,0 МБ");
  });
});

describe("the integrity check's results", () => {
  it("marks every file intact when nothing is found", () => {
    const results = fileResults(FILES, report());
    expect(results).toHaveLength(FILES.length);
    expect(results.every((r) => r.state === "intact" && r.text === "цел")).toBe(true);
    expect(verdict(report())).toBe("Архив цел: проверено файлов 6, подписей PDF 2.");
  });

  it("names each damaged file, and what the check found beyond the recorded ones", () => {
    const damaged = report({
      intact: false,
      findings: [
        { path: "classes/c5a/journal.pdf", problem: "SHA-256 differs from the manifest: the file was changed" },
        { path: "summary.jsonl.zip", problem: "missing" },
        { path: "extra.txt", problem: "not in the manifest" },
      ],
    });
    const results = fileResults(FILES, damaged);
    const byPath = Object.fromEntries(results.map((r) => [r.path, r]));
    expect(byPath["classes/c5a/journal.pdf"]).toMatchObject({
      state: "damaged",
      label: "Журнал (PDF), 5А",
      text: "файл изменён: контрольная сумма не совпадает с перечнем",
    });
    expect(byPath["summary.jsonl.zip"]?.text).toBe("файла нет в хранилище");
    expect(byPath["extra.txt"]).toMatchObject({ state: "damaged", text: "лишний файл: его нет в перечне" });
    expect(byPath["classes/c10b/journal.pdf"]?.state).toBe("intact");
    expect(verdict(damaged)).toBe("Архив повреждён: 3 нарушения; проверено файлов 6, подписей PDF 2.");
  });

  it("tells files removed by their keeping time from lost ones", () => {
    const results = fileResults(FILES, report({ purged: ["classes/c5a/journal.pdf"] }));
    expect(results.find((r) => r.path === "classes/c5a/journal.pdf")?.state).toBe("purged");
  });

  it("puts every known problem into Russian and keeps an unknown one visible", () => {
    expect(problemText("the signature does not hold: changed, or signed with another key")).toMatch(/подпись перечня/);
    expect(problemText("PDF signature: the document was changed after signing")).toMatch(/подпись PDF/);
    expect(problemText("missing, or not the certificate the manifest names")).toMatch(/сертификата нет/);
    expect(problemText("the database records another SHA-256")).toMatch(/в базе архива/);
    expect(problemText("something new")).toBe("повреждение: something new");
  });

  it("declines Russian numerals", () => {
    expect([1, 2, 5, 11, 21, 22, 25].map((n) => plural(n, "файл", "файла", "файлов"))).toEqual([
      "файл",
      "файла",
      "файлов",
      "файлов",
      "файл",
      "файла",
      "файлов",
    ]);
  });
});

describe("an archived report card", () => {
  it("lays the finals out by period, the year last", () => {
    const table = reportCardTable({
      subjects: [
        {
          subject_id: "m",
          subject_name: "Математика",
          finals: [
            { period_kind: null, period_number: null, value: "4" },
            { period_kind: "quarter", period_number: 2, value: "5" },
            { period_kind: "quarter", period_number: 1, value: "4" },
          ],
        },
        { subject_id: "r", subject_name: "Русский язык", finals: [{ period_kind: "quarter", period_number: 2, value: "3" }] },
      ],
    });
    expect(table.columns).toEqual(["1 четв.", "2 четв.", "Год"]);
    expect(table.rows).toEqual([
      { subject: "Математика", marks: ["4", "5", "4"] },
      { subject: "Русский язык", marks: ["", "3", ""] },
    ]);
    expect(periodColumn({ period_kind: "half", period_number: 1 })).toBe("1 полуг.");
  });

  it("reads a parent's children and a student's own card, no one else's", () => {
    expect(familyStudents({ roles: ["parent"], children: ["a", "b"], person_id: "p" })).toEqual(["a", "b"]);
    expect(familyStudents({ roles: ["student"], children: [], person_id: "s" })).toEqual(["s"]);
    expect(familyStudents({ roles: ["director"], children: [], person_id: null })).toEqual([]);
  });
});

describe("the archive's refusals", () => {
  it("are told in the screen's words", async () => {
    const { ApiProblem } = await import("../../lib/api");
    const { downloadFailure } = await import("./api");
    const damaged = new ApiProblem(409, { type: "urn:school:problem:archive-file-damaged" });
    expect(downloadFailure(damaged)).toMatch(/файл повреждён/);
    const away = new ApiProblem(503, { type: "urn:school:problem:archive-storage-unavailable" });
    expect(downloadFailure(away)).toMatch(/хранилище архива сейчас недоступно/);
    const purged = new ApiProblem(410, { type: "urn:school:problem:archive-file-purged" });
    expect(downloadFailure(purged)).toMatch(/срока хранения/);
  });
});
