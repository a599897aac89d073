import { describe, expect, it } from "vitest";
import { unreadCount } from "./api";

describe("the live stream's unread count", () => {
  it("is read from an `unread` event only", () => {
    expect(unreadCount({ event: "unread", data: '{"unread": 2}' })).toBe(2);
    expect(unreadCount({ event: "unread", data: '{"unread": 0}' })).toBe(0);
    expect(unreadCount({ event: "notification", data: '{"unread": 2}' })).toBeUndefined();
    expect(unreadCount({ event: "unread", data: "not json" })).toBeUndefined();
    expect(unreadCount({ event: "unread", data: '{"unread": "2"}' })).toBeUndefined();
  });
});
