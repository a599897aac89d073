import { describe, expect, it } from "vitest";
import { eventNames } from "./api";

describe("the live stream's events", () => {
  it("are named by their event lines, several to a chunk", () => {
    const chunk = "id: 7\nevent: notification\ndata: {}\n\nevent: unread\ndata: {\"unread\": 2}\n\n";
    expect(eventNames(chunk)).toEqual(["notification", "unread"]);
    expect(eventNames(": heartbeat\n\n")).toEqual([]);
  });
});
