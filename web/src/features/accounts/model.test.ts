import { describe, expect, it } from "vitest";
import type { AccountOut, ClassPerson, ConsentOut } from "./api";
import { accountState, anyoneToIssue, classRows, consentsByChild, deviceName } from "./model";

function account(overrides: Partial<AccountOut>): AccountOut {
  return {
    account_id: "a1",
    login: "ivanov.i",
    kind: "student",
    roles: ["student"],
    person_id: "p1",
    last_name: null,
    first_name: null,
    middle_name: null,
    active: true,
    activated: false,
    ...overrides,
  };
}

function person(personId: string, kind: ClassPerson["kind"], last: string): ClassPerson {
  return { personId, kind, last_name: last, first_name: "Анна", middle_name: null, children: [] };
}

describe("an account's state", () => {
  it("is none without an account, issued before activation, then activated", () => {
    expect(accountState(undefined)).toBe("none");
    expect(accountState(account({}))).toBe("issued");
    expect(accountState(account({ activated: true }))).toBe("activated");
  });

  it("is disabled once disabled, activated or not", () => {
    expect(accountState(account({ active: false, activated: true }))).toBe("disabled");
    expect(accountState(account({ active: false }))).toBe("disabled");
  });
});

describe("the class's rows", () => {
  it("puts students first, then parents, each by name, with their accounts", () => {
    const rows = classRows(
      [
        person("g1", "parent", "Яковлева"),
        person("s2", "student", "Борисов"),
        person("s1", "student", "Алексеева"),
        person("g2", "parent", "Борисова"),
      ],
      [account({ person_id: "s2", activated: true }), account({ person_id: "g1" })],
    );
    expect(rows.map((r) => [r.personId, r.state])).toEqual([
      ["s1", "none"],
      ["s2", "activated"],
      ["g2", "none"],
      ["g1", "issued"],
    ]);
  });

  it("has someone to issue while anyone has no account or has not activated it", () => {
    const activated = classRows(
      [person("s1", "student", "А")],
      [account({ person_id: "s1", activated: true })],
    );
    expect(anyoneToIssue(activated)).toBe(false);
    expect(anyoneToIssue(classRows([person("s1", "student", "А")], []))).toBe(true);
    expect(
      anyoneToIssue(classRows([person("s1", "student", "А")], [account({ person_id: "s1" })])),
    ).toBe(true);
  });
});

describe("a sign-in's device", () => {
  it("names the browser and the system", () => {
    expect(
      deviceName(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
      ),
    ).toBe("Chrome, Android");
    expect(
      deviceName(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 YaBrowser/24.12 Safari/537.36",
      ),
    ).toBe("Яндекс Браузер, Windows");
    expect(
      deviceName(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari, iOS");
    expect(deviceName("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")).toBe(
      "Firefox, Linux",
    );
  });

  it("says unknown without one and shortens anything else", () => {
    expect(deviceName(null)).toBe("Неизвестное устройство");
    expect(deviceName("python-httpx/0.28")).toBe("python-httpx/0.28");
    expect(deviceName("x".repeat(80))).toHaveLength(58);
  });
});

describe("the consents", () => {
  it("are grouped by child, the purposes in the same order for each", () => {
    const consent = (student_id: string, purpose: ConsentOut["purpose"]): ConsentOut => ({
      student_id,
      purpose,
      given: false,
      changed_at: null,
    });
    const grouped = consentsByChild([
      consent("c1", "email_notifications"),
      consent("c2", "portal_marks"),
      consent("c1", "portal_marks"),
      consent("c1", "district_systems"),
    ]);
    expect(grouped.map(([child, list]) => [child, list.map((c) => c.purpose)])).toEqual([
      ["c1", ["portal_marks", "district_systems", "email_notifications"]],
      ["c2", ["portal_marks"]],
    ]);
  });
});
