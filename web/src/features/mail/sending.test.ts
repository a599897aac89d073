import { describe, expect, it } from "vitest";
import { ApiProblem } from "../../lib/api";
import { type Draft, onceSender, sendRequest } from "./sending";

const draft: Draft = { kind: "new", subject: "Тема", body: "Текст", to: [{ kind: "help" }], files: [] };

function server(statuses: number[]) {
  const seen: Request[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const send = async (request: Request) => {
    seen.push(request);
    await gate;
    const status = statuses.shift() ?? 201;
    return new Response(JSON.stringify(status < 300 ? { delivered: 1 } : { type: "urn:school:problem:recipient-not-allowed" }), { status });
  };
  return { seen, release, send };
}

describe("sending once", () => {
  it("a double click sends one request", async () => {
    const fake = server([201]);
    const sendDraft = onceSender(fake.send);
    const first = sendDraft(draft);
    const second = sendDraft(draft);
    fake.release();
    expect(await first).toEqual({ delivered: 1 });
    expect(await second).toEqual({ delivered: 1 });
    expect(fake.seen).toHaveLength(1);
  });

  it("a retry after a server failure repeats the key; after a success the next message gets a new one", async () => {
    const fake = server([503, 201, 201]);
    fake.release();
    const sendDraft = onceSender(fake.send);
    await expect(sendDraft(draft)).rejects.toBeInstanceOf(ApiProblem);
    await sendDraft(draft);
    await sendDraft(draft);
    const keys = fake.seen.map((r) => r.headers.get("Idempotency-Key"));
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
  });

  it("a refusal is thrown with its slug and the corrected draft goes with a new key", async () => {
    const fake = server([422, 201]);
    fake.release();
    const sendDraft = onceSender(fake.send);
    const refused = await sendDraft(draft).catch((error: unknown) => error);
    expect((refused as ApiProblem).slug).toBe("recipient-not-allowed");
    await sendDraft(draft);
    expect(fake.seen[0]!.headers.get("Idempotency-Key")).not.toBe(fake.seen[1]!.headers.get("Idempotency-Key"));
  });

  it("sends JSON without files and multipart with them", async () => {
    const json = sendRequest(draft, "k");
    expect(json.headers.get("Content-Type")).toBe("application/json");
    expect(await json.json()).toEqual({ subject: "Тема", body: "Текст", to: [{ kind: "help" }] });
    const withFile = sendRequest(
      { kind: "reply", threadId: "t", body: "Ок", all: false, mailbox: "help", files: [new File(["x"], "а.txt")] },
      "k",
    );
    expect(withFile.url).toContain("/api/messaging/mail/threads/t/messages?mailbox=help");
    expect(withFile.headers.get("Content-Type")).toMatch(/^multipart\/form-data; boundary=/);
    const text = await withFile.text();
    expect(text).toContain('name="message"');
    expect(text).toContain('{"body":"Ок","all":false}');
    expect(text).toContain('name="file"');
  });
});
