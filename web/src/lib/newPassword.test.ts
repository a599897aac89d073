import { describe, expect, it } from "vitest";
import { ApiProblem } from "./api";
import {
  checkNewPassword,
  NOT_REPEATED,
  refusedPassword,
  SAME_AS_CURRENT,
  SAME_AS_LOGIN,
  TOO_COMMON,
  TOO_LONG,
  TOO_SHORT,
} from "./newPassword";

describe("a new password typed twice", () => {
  it("is accepted when long enough and repeated", () => {
    expect(checkNewPassword("крепкий пароль", "крепкий пароль", "ivanov.i")).toEqual({});
  });

  it("is refused when shorter than eight characters", () => {
    expect(checkNewPassword("1234567", "1234567")).toEqual({ password: TOO_SHORT });
  });

  it("is refused when longer than 256 characters", () => {
    const long = "я".repeat(257);
    expect(checkNewPassword(long, long)).toEqual({ password: TOO_LONG });
  });

  it("is refused when it is the login, whatever the case", () => {
    expect(checkNewPassword("Ivanov.Ivan", "Ivanov.Ivan", "ivanov.ivan")).toEqual({
      password: SAME_AS_LOGIN,
    });
  });

  it("says so beside the repetition when the two differ", () => {
    expect(checkNewPassword("крепкий пароль", "крепкий парол")).toEqual({ repeat: NOT_REPEATED });
  });

  it("reports both fields at once", () => {
    expect(checkNewPassword("short", "other")).toEqual({
      password: TOO_SHORT,
      repeat: NOT_REPEATED,
    });
  });
});

function validation(type: string, msg = ""): ApiProblem {
  return new ApiProblem(422, {
    type: "urn:school:problem:validation-error",
    errors: [{ loc: ["body", "new_password"], type, msg }],
  });
}

describe("the server's refusal of a new password", () => {
  it("reads a common password in Russian", () => {
    const error = validation(
      "value_error",
      "Value error, this password is one of the most common passwords",
    );
    expect(refusedPassword(error)).toBe(TOO_COMMON);
  });

  it("reads the length limits", () => {
    expect(refusedPassword(validation("string_too_short"))).toBe(TOO_SHORT);
    expect(refusedPassword(validation("string_too_long"))).toBe(TOO_LONG);
  });

  it("reads the password change's own policy answer", () => {
    const weak = (reasons: string[]) =>
      new ApiProblem(422, { type: "urn:school:problem:weak-password", reasons });
    expect(refusedPassword(weak(["the same as the login"]))).toBe(SAME_AS_LOGIN);
    expect(refusedPassword(weak(["the same as the current password"]))).toBe(SAME_AS_CURRENT);
    expect(refusedPassword(weak(["one of the most common passwords"]))).toBe(TOO_COMMON);
  });

  it("is not about the password when another field or another status is refused", () => {
    const other = new ApiProblem(422, {
      type: "urn:school:problem:validation-error",
      errors: [{ loc: ["body", "code"], type: "string_too_short" }],
    });
    expect(refusedPassword(other)).toBeNull();
    expect(refusedPassword(new ApiProblem(401, { type: "urn:school:problem:x" }))).toBeNull();
    expect(refusedPassword(new Error("network"))).toBeNull();
  });
});
