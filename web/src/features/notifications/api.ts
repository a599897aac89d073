// The notification feed through the typed messaging client, and its live stream.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { messaging, unwrap } from "../../lib/api";
import { authFetch } from "../../lib/http";

export const FEED = ["notifications", "feed"] as const;

export function useFeed() {
  return useQuery({
    queryKey: FEED,
    queryFn: async () =>
      unwrap(await messaging.GET("/api/messaging/notifications", { params: { query: { limit: 50 } } })),
  });
}

export async function markRead(id: string): Promise<void> {
  unwrap(
    await messaging.POST("/api/messaging/notifications/{notification_id}/read", {
      params: { path: { notification_id: id } },
    }),
  );
}

export async function markAllRead(): Promise<void> {
  unwrap(await messaging.POST("/api/messaging/notifications/read", {}));
}

/** The server-sent events' names in one chunk of the stream (`event: notification`...). */
export function eventNames(chunk: string): string[] {
  return chunk
    .split("\n")
    .filter((line) => line.startsWith("event: "))
    .map((line) => line.slice("event: ".length).trim());
}

/** While mounted, reads the live stream (fetch with the session's token: EventSource
 * cannot send one) and refreshes the feed when a notification or an unread count comes;
 * reconnects after a pause when the stream ends or the network drops. Whether the stream
 * is open now. On each connection the feed is read again: the stream starts from the
 * moment it opens, so what came between the first read and the connection is caught. */
export function useLiveFeed(): boolean {
  const queries = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    const stop = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const decoder = new TextDecoder();
    const listen = async () => {
      try {
        const response = await authFetch(
          new Request("/api/messaging/notifications/stream", { signal: stop.signal }),
        );
        const reader = response.ok ? response.body?.getReader() : undefined;
        if (reader) {
          setLive(true);
          void queries.invalidateQueries({ queryKey: FEED });
        }
        while (reader) {
          const { done, value } = await reader.read();
          if (done) break;
          const names = eventNames(decoder.decode(value, { stream: true }));
          if (names.includes("notification") || names.includes("unread")) {
            void queries.invalidateQueries({ queryKey: FEED });
          }
        }
      } catch {
        // the network or the session went: try again below unless unmounted
      }
      setLive(false);
      if (!stop.signal.aborted) retry = setTimeout(() => void listen(), 3000);
    };
    void listen();
    return () => {
      stop.abort();
      clearTimeout(retry);
    };
  }, [queries]);
  return live;
}
