import { describe, expect, it } from "vitest";
import { parseEvents } from "./live";

describe("the live stream's events", () => {
  it("are read whole, several to a chunk, comments and retry lines skipped", () => {
    const chunk =
      'retry: 2000\n\nid: 7\nevent: notification\ndata: {"id": 1}\n\nevent: unread\ndata: {"unread": 2}\n\n: keep-alive\n\n';
    expect(parseEvents(chunk)).toEqual({
      events: [
        { event: "notification", data: '{"id": 1}' },
        { event: "unread", data: '{"unread": 2}' },
      ],
      rest: "",
    });
  });

  it("keep an event cut between two chunks for the next one", () => {
    const first = parseEvents('event: mail\ndata: {"in');
    expect(first.events).toEqual([]);
    const second = parseEvents(`${first.rest}box": 3}\n\nevent: unread\n`);
    expect(second.events).toEqual([{ event: "mail", data: '{"inbox": 3}' }]);
    expect(second.rest).toBe("event: unread\n");
  });

  it("take CRLF line ends and data over several lines", () => {
    expect(parseEvents("data: a\r\ndata: b\r\n\r\n").events).toEqual([{ event: "message", data: "a\nb" }]);
  });
});
