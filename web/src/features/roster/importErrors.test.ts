import { describe, expect, it } from "vitest";
import { ApiProblem } from "../../lib/api";
import { badRows } from "./importErrors";

describe("a refused class list import", () => {
  it("lists every bad row by line with its reason in Russian", () => {
    const refusal = new ApiProblem(422, {
      type: "urn:school:problem:invalid-rows",
      errors: [
        { line: 4, reason: "телефон is not a phone number" },
        { line: 2, reason: "missing имя, дата рождения" },
      ],
    });
    expect(badRows(refusal)).toEqual([
      { line: 2, reason: "не заполнено: имя, дата рождения" },
      { line: 4, reason: "телефон: это не номер телефона" },
    ]);
  });

  it("has no rows when the refusal is about the whole file", () => {
    expect(badRows(new ApiProblem(422, { type: "urn:school:problem:unreadable-file" }))).toEqual([]);
    expect(badRows(new Error("network"))).toEqual([]);
  });
});
