// Sending once: a draft keeps one Idempotency-Key from its first attempt until the server
// has taken it, so a double click or a retry after a lost answer sends a single message.
import { ApiProblem } from "../../lib/api";
import { authFetch } from "../../lib/http";
import type { Recipient } from "./recipients";

export type Draft =
  | { kind: "new"; subject: string; body: string; to: Recipient[]; files: File[] }
  | { kind: "reply"; threadId: string; body: string; all: boolean; files: File[]; mailbox: "own" | "help" };

/** Builds the request: JSON without files, multipart (`message` + `file` parts) with them. */
export function sendRequest(draft: Draft, key: string): Request {
  const message =
    draft.kind === "new"
      ? { subject: draft.subject, body: draft.body, to: draft.to }
      : { body: draft.body, all: draft.all };
  const path =
    draft.kind === "new"
      ? "/api/messaging/mail/messages"
      : `/api/messaging/mail/threads/${draft.threadId}/messages?mailbox=${draft.mailbox}`;
  const url = new URL(path, globalThis.location?.href ?? "http://localhost/");
  const headers = new Headers({ "Idempotency-Key": key });
  if (draft.files.length === 0) {
    headers.set("Content-Type", "application/json");
    return new Request(url, { method: "POST", headers, body: JSON.stringify(message) });
  }
  const form = new FormData();
  form.append("message", JSON.stringify(message));
  for (const file of draft.files) form.append("file", file, file.name);
  return new Request(url, { method: "POST", headers, body: form });
}

/** One draft's sender: every call until one succeeds carries the same key, and a call
 * made while another is under way waits for it instead of sending again. */
export function onceSender(send: (request: Request) => Promise<Response> = authFetch) {
  let key: string = crypto.randomUUID();
  let pending: Promise<unknown> | undefined;
  return async function sendDraft(draft: Draft): Promise<unknown> {
    if (pending) return pending;
    pending = (async () => {
      try {
        const response = await send(sendRequest(draft, key));
        const body: unknown = await response.json().catch(() => ({}));
        if (!response.ok) {
          // a refusal is final for this content: the next edit is a new request
          if (response.status < 500) key = crypto.randomUUID();
          throw new ApiProblem(response.status, body as ApiProblem["problem"]);
        }
        key = crypto.randomUUID();
        return body;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
