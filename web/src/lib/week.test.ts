import { describe, expect, it } from "vitest";
import { addDays, mondayOf, shiftWeek, weekDays, weekOf } from "./week";

describe("the diary's weeks", () => {
  it("run Monday to Sunday", () => {
    expect(weekOf("2026-12-02")).toEqual({ from: "2026-11-30", to: "2026-12-06" });
    expect(mondayOf("2026-12-06")).toBe("2026-11-30");
    expect(mondayOf("2026-11-30")).toBe("2026-11-30");
  });

  it("are counted in the school's zone: Sunday 22:30 UTC is Monday in Moscow", () => {
    const sundayNightUtc = new Date("2026-12-06T22:30:00Z");
    expect(weekOf(null, sundayNightUtc).from).toBe("2026-12-07");
    expect(weekOf(null, new Date("2026-12-06T20:30:00Z")).from).toBe("2026-11-30");
  });

  it("step back and forth across months and years", () => {
    const week = weekOf("2026-12-30");
    expect(shiftWeek(week, 1)).toEqual({ from: "2027-01-04", to: "2027-01-10" });
    expect(shiftWeek(week, -5).from).toBe("2026-11-23");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
  });

  it("fall back to this week for a date that is not one", () => {
    const now = new Date("2026-12-02T09:00:00Z");
    expect(weekOf("tomorrow", now).from).toBe("2026-11-30");
    expect(weekOf("2026-13-45", now).from).toBe("2026-11-30");
  });

  it("list their seven days", () => {
    expect(weekDays(weekOf("2026-12-02"))).toHaveLength(7);
    expect(weekDays(weekOf("2026-12-02"))[6]).toBe("2026-12-06");
  });
});
