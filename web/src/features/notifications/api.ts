// The notification feed through the typed messaging client, and its live stream.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { messaging, unwrap } from "../../lib/api";
import { type LiveEvent, useLive } from "../../lib/live";

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

export const UNREAD = ["notifications", "unread"] as const;

export function useUnreadNotifications() {
  return useQuery({
    queryKey: UNREAD,
    queryFn: async () => unwrap(await messaging.GET("/api/messaging/notifications/unread", {})),
  });
}

/** The unread count a live `unread` event carries, or undefined when it is not one. */
export function unreadCount(event: LiveEvent): number | undefined {
  if (event.event !== "unread") return undefined;
  try {
    const data = JSON.parse(event.data) as { unread?: unknown };
    return typeof data.unread === "number" ? data.unread : undefined;
  } catch {
    return undefined;
  }
}

/** While mounted, the notifications' queries follow the live stream: the unread count
 * from its `unread` events, the feed read again on a `notification` and on each
 * connection (the stream starts from the moment it opens, so what came between the first
 * read and the connection is caught). Whether the stream is open now. */
export function useLiveFeed(): boolean {
  const queries = useQueryClient();
  return useLive((event) => {
    const count = unreadCount(event);
    if (count !== undefined) {
      queries.setQueryData(UNREAD, { unread: count });
      void queries.invalidateQueries({ queryKey: FEED });
    } else if (event.event === "notification" || event.event === "open") {
      void queries.invalidateQueries({ queryKey: FEED });
      void queries.invalidateQueries({ queryKey: UNREAD });
    }
  });
}
