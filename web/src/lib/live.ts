// The signed-in person's live stream (GET /api/messaging/notifications/stream, server-sent
// events): one connection per tab, shared by whoever listens (the navigation's unread
// counts, the notification feed), open while anyone does. EventSource cannot send the
// token, so the stream is read with fetch; it reconnects after a pause when it ends (the
// server closes it after a while) or the network drops.
import { useEffect, useRef, useState } from "react";
import { authFetch } from "./http";

const STREAM = "/api/messaging/notifications/stream";
const RETRY_MS = 3000;
// The first connection waits for the page to have loaded and a moment more: the screen's
// own requests go first on a slow network (the listeners read their data at once anyway,
// and again when the stream opens), and the page reaches "network idle" before a
// connection that never ends begins.
const FIRST_CONNECTION_DELAY_MS = 1500;

function loaded(): Promise<void> {
  if (typeof document === "undefined" || document.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("load", () => resolve(), { once: true }));
}

export type LiveEvent = { event: string; data: string };

/** Splits a stream's text into its complete events (an event ends at a blank line) and
 * the incomplete rest, to be prefixed to the next chunk. Comments (": keep-alive") and
 * `retry:` lines carry no event. */
export function parseEvents(text: string): { events: LiveEvent[]; rest: string } {
  const normalised = text.replace(/\r\n?/g, "\n");
  const blocks = normalised.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: LiveEvent[] = [];
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();
const openListeners = new Set<(open: boolean) => void>();
let stop: AbortController | undefined;
let open = false;

function setOpen(value: boolean): void {
  if (open === value) return;
  open = value;
  for (const listener of openListeners) listener(value);
}

function connect(): void {
  const controller = new AbortController();
  stop = controller;
  let retry: ReturnType<typeof setTimeout> | undefined;
  controller.signal.addEventListener("abort", () => clearTimeout(retry));
  const listen = async () => {
    try {
      const response = await authFetch(new Request(STREAM, { signal: controller.signal }));
      const reader = response.ok ? response.body?.getReader() : undefined;
      if (reader) {
        setOpen(true);
        // What came between the listeners' first reads and this connection: they read again.
        for (const listener of listeners) listener({ event: "open", data: "" });
      }
      const decoder = new TextDecoder();
      let buffered = "";
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffered + decoder.decode(value, { stream: true }));
        buffered = parsed.rest;
        for (const event of parsed.events) for (const listener of listeners) listener(event);
      }
    } catch {
      // the network or the session went: try again below unless nobody listens
    }
    setOpen(false);
    if (!controller.signal.aborted) retry = setTimeout(() => void listen(), RETRY_MS);
  };
  void loaded().then(() => {
    if (!controller.signal.aborted) retry = setTimeout(() => void listen(), FIRST_CONNECTION_DELAY_MS);
  });
}

/** Listen to the live stream's events (and `open`, sent on each connection); the first
 * listener opens the connection, the last one to leave closes it. */
export function listenLive(listener: Listener): () => void {
  listeners.add(listener);
  if (!stop) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && stop) {
      stop.abort();
      stop = undefined;
      setOpen(false);
    }
  };
}

/** While mounted, calls `onEvent` for each live event; whether the stream is open now. */
export function useLive(onEvent: Listener): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [isOpen, setIsOpen] = useState(open);
  useEffect(() => {
    const changed = (value: boolean) => setIsOpen(value);
    openListeners.add(changed);
    const leave = listenLive((event) => handler.current(event));
    setIsOpen(open);
    return () => {
      openListeners.delete(changed);
      leave();
    };
  }, []);
  return isOpen;
}
