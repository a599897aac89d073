import { describe, expect, it } from "vitest";
import { bodyOf, formOf, type Preferences } from "./preferences";

const found: Preferences = {
  categories: ["marks", "attendance", "homework"],
  muted: ["homework"],
  delivery: "immediate",
  digest_hour: 18,
  quiet_hours: null,
  email: "mama@example.ru",
};

describe("notification preferences", () => {
  it("show the wanted kinds as the ones not muted", () => {
    expect(formOf(found)).toMatchObject({ wanted: ["marks", "attendance"], quiet: false, quietFrom: "22:00" });
  });

  it("save what is left out as muted, the digest hour and quiet hours, keeping the email", () => {
    const form = { ...formOf(found), wanted: ["marks"], delivery: "digest" as const, digestHour: 7, quiet: true };
    expect(bodyOf(form, found)).toEqual({
      muted: ["attendance", "homework"],
      delivery: "digest",
      digest_hour: 7,
      quiet_hours: { start: "22:00:00", end: "07:00:00" },
      email: "mama@example.ru",
    });
    expect(bodyOf({ ...form, quiet: false }, found).quiet_hours).toBeNull();
  });
});
