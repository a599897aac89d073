import { describe, expect, it } from "vitest";
import { mailCounts, unreadTotal } from "./api";

describe("mail's unread counts from the live stream", () => {
  it("are read from a `mail` event only", () => {
    expect(mailCounts({ event: "mail", data: '{"inbox": 3}' })).toEqual({ inbox: 3, help: null });
    expect(mailCounts({ event: "mail", data: '{"inbox": 0, "help": 2}' })).toEqual({ inbox: 0, help: 2 });
    expect(mailCounts({ event: "unread", data: '{"inbox": 3}' })).toBeUndefined();
    expect(mailCounts({ event: "mail", data: "{" })).toBeUndefined();
    expect(mailCounts({ event: "mail", data: '{"help": 1}' })).toBeUndefined();
  });

  it("add a sysadmin's help requests to their own inbox in the navigation", () => {
    expect(unreadTotal({ inbox: 2, help: 3 })).toBe(5);
    expect(unreadTotal({ inbox: 2, help: null })).toBe(2);
    expect(unreadTotal(undefined)).toBe(0);
  });
});
