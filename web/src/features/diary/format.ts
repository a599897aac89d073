// How the diary shows numbers and codes.

/** A weighted average as the API gives it ("4.33", a decimal string) in Russian: "4,33". */
export function averageText(average: string | null | undefined): string {
  if (average === null || average === undefined || average === "") return "—";
  const value = Number(average);
  if (!Number.isFinite(value)) return "—";
  return value.toFixed(2).replace(".", ",");
}

/** The mark an average rounds to by the school's rule (from_0_50 etc.), for a hint. */
export function averageTone(average: string | null | undefined): "good" | "mid" | "low" | null {
  if (!average) return null;
  const value = Number(average);
  if (!Number.isFinite(value)) return null;
  if (value >= 4.5) return "good";
  if (value >= 3.5) return "mid";
  return "low";
}

export const ATTENDANCE_NAMES: Record<string, string> = {
  Н: "не был",
  Б: "болел",
  П: "по уважительной причине",
  ОП: "опоздал",
};

export function attendanceText(code: string | null | undefined): string | null {
  if (!code) return null;
  return `${code} — ${ATTENDANCE_NAMES[code] ?? code}`;
}

/** "2 четверть", "1 полугодие". */
export function periodName(period: { kind: string; number: number }): string {
  return `${period.number} ${period.kind === "half" ? "полугодие" : "четверть"}`;
}

/** "1 файл", "2 файла", "5 файлов". */
export function plural(n: number, one: string, few: string, many: string): string {
  const tens = n % 100;
  const units = n % 10;
  if (tens >= 11 && tens <= 14) return many;
  if (units === 1) return one;
  if (units >= 2 && units <= 4) return few;
  return many;
}
