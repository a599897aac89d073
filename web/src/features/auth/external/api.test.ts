import { describe, expect, it } from "vitest";
import { callbackFromQuery } from "./api";

describe("the provider's answer on the callback page", () => {
  it("carries the code, the state and the provider's name of itself", () => {
    expect(callbackFromQuery("?code=abc&state=s1&iss=http%3A%2F%2Fidp")).toEqual({
      code: "abc",
      state: "s1",
      iss: "http://idp",
    });
  });

  it("carries an error instead of a code", () => {
    expect(callbackFromQuery("?error=access_denied&state=s1")).toEqual({
      error: "access_denied",
      state: "s1",
    });
  });

  it("is nothing without a state, or with both a code and an error, or neither", () => {
    expect(callbackFromQuery("?code=abc")).toBeNull();
    expect(callbackFromQuery("?code=abc&error=x&state=s1")).toBeNull();
    expect(callbackFromQuery("?state=s1")).toBeNull();
    expect(callbackFromQuery("")).toBeNull();
  });
});
