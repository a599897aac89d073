import { describe, expect, it } from "vitest";
import { childLabel } from "./DiaryLayout";
import { currentPeriod } from "./MarksPage";
import { attendanceText, averageText, averageTone, periodName, plural } from "./format";

describe("the diary's averages", () => {
  it("are shown with a comma and two decimals, a dash without marks", () => {
    expect(averageText("4.333")).toBe("4,33");
    expect(averageText("5")).toBe("5,00");
    expect(averageText(null)).toBe("—");
    expect(averageText("nonsense")).toBe("—");
  });

  it("are toned by the mark they are near", () => {
    expect(averageTone("4.50")).toBe("good");
    expect(averageTone("3.49")).toBe("low");
    expect(averageTone("3.5")).toBe("mid");
    expect(averageTone(null)).toBeNull();
  });
});

describe("the diary's words", () => {
  it("name attendance codes and periods in Russian", () => {
    expect(attendanceText("Б")).toBe("Б — болел");
    expect(attendanceText(null)).toBeNull();
    expect(periodName({ kind: "quarter", number: 2 })).toBe("2 четверть");
    expect(periodName({ kind: "half", number: 1 })).toBe("1 полугодие");
    expect([1, 2, 5, 11, 21, 22].map((n) => plural(n, "файл", "файла", "файлов"))).toEqual([
      "файл", "файла", "файлов", "файлов", "файл", "файла",
    ]);
  });

  it("open the period holding today, else the last begun", () => {
    const periods = [
      { period_id: "q1", starts_on: "2026-09-01", ends_on: "2026-10-25" },
      { period_id: "q2", starts_on: "2026-11-05", ends_on: "2026-12-28" },
    ];
    expect(currentPeriod(periods, "2026-12-02")?.period_id).toBe("q2");
    expect(currentPeriod(periods, "2026-10-30")?.period_id).toBe("q1");
    expect(currentPeriod(periods, "2026-08-01")?.period_id).toBe("q1");
  });
});

describe("the parent's child switcher", () => {
  it("names each child with their class once the roster answers", () => {
    const years = { last_name: "Смирнов", first_name: "Иван", years: [{ class_name: "5А" }] };
    expect(childLabel(0, years)).toBe("Смирнов Иван, 5А класс");
    expect(childLabel(1, undefined)).toBe("Ребёнок 2");
    expect(childLabel(0, { ...years, years: [] })).toBe("Смирнов Иван");
  });
});
