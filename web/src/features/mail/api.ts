// Mail through the typed messaging client.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { messaging, unwrap } from "../../lib/api";
import { authFetch } from "../../lib/http";
import { type LiveEvent, useLive } from "../../lib/live";

export type Folder = "inbox" | "sent" | "archive";
export type Mailbox = "own" | "help";
export const MAIL = ["mail"] as const;
export const PAGE = 20;

export function useMessages(folder: Folder, q: string, offset: number, mailbox: Mailbox) {
  return useQuery({
    queryKey: [...MAIL, "messages", mailbox, folder, q, offset],
    queryFn: async () =>
      unwrap(
        await messaging.GET("/api/messaging/mail/messages", {
          params: { query: { folder, q: q || undefined, limit: PAGE, offset, mailbox } },
        }),
      ),
  });
}

export const UNREAD = [...MAIL, "unread"] as const;
export type UnreadCounts = { inbox: number; help?: number | null };

export function useUnread() {
  return useQuery({
    queryKey: UNREAD,
    queryFn: async (): Promise<UnreadCounts> =>
      unwrap(await messaging.GET("/api/messaging/mail/unread", {})),
    refetchInterval: 60_000, // the live stream tells sooner; this covers a stream away
  });
}

/** The unread counts a live `mail` event carries (`{"inbox": 3}`, with `help` for a
 * sysadmin), or undefined when it is not one. */
export function mailCounts(event: LiveEvent): UnreadCounts | undefined {
  if (event.event !== "mail") return undefined;
  try {
    const data = JSON.parse(event.data) as Partial<UnreadCounts>;
    return typeof data.inbox === "number" ? { inbox: data.inbox, help: data.help ?? null } : undefined;
  } catch {
    return undefined;
  }
}

/** What the nav's count is: one's inbox and, for a sysadmin, the help requests unread. */
export function unreadTotal(counts: UnreadCounts | undefined): number {
  return (counts?.inbox ?? 0) + (counts?.help ?? 0);
}

/** While mounted, mail's unread counts follow the live stream (mail delivered, read,
 * archived) and the open folder is read again when they change. */
export function useLiveMail(): void {
  const queries = useQueryClient();
  useLive((event) => {
    const counts = mailCounts(event);
    if (counts) {
      queries.setQueryData(UNREAD, counts);
      void queries.invalidateQueries({ queryKey: [...MAIL, "messages"] });
    } else if (event.event === "open") {
      void queries.invalidateQueries({ queryKey: UNREAD });
    }
  });
}

export function useContacts() {
  return useQuery({
    queryKey: [...MAIL, "contacts"],
    queryFn: async () => unwrap(await messaging.GET("/api/messaging/mail/contacts", {})),
    staleTime: 5 * 60_000,
  });
}

export function useThread(id: string, mailbox: Mailbox) {
  return useQuery({
    queryKey: [...MAIL, "thread", mailbox, id],
    queryFn: async () =>
      unwrap(
        await messaging.GET("/api/messaging/mail/threads/{thread_id}", {
          params: { path: { thread_id: id }, query: { mailbox } },
        }),
      ),
  });
}

export function useReceipts(messageId: string, enabled: boolean, mailbox: Mailbox) {
  return useQuery({
    queryKey: [...MAIL, "receipts", mailbox, messageId],
    enabled,
    queryFn: async () =>
      unwrap(
        await messaging.GET("/api/messaging/mail/messages/{message_id}/receipts", {
          params: { path: { message_id: messageId }, query: { mailbox } },
        }),
      ),
  });
}

export async function markRead(id: string, mailbox: Mailbox): Promise<void> {
  unwrap(
    await messaging.POST("/api/messaging/mail/messages/{message_id}/read", {
      params: { path: { message_id: id }, query: { mailbox } },
    }),
  );
}

export async function archiveThread(threadId: string, mailbox: Mailbox): Promise<void> {
  unwrap(
    await messaging.POST("/api/messaging/mail/threads/{thread_id}/archive", {
      params: { path: { thread_id: threadId }, query: { mailbox } },
    }),
  );
}

/** Bring one's copies of a thread back from the archive (others' copies never moved). */
export async function restoreThread(threadId: string, mailbox: Mailbox): Promise<void> {
  unwrap(
    await messaging.DELETE("/api/messaging/mail/threads/{thread_id}/archive", {
      params: { path: { thread_id: threadId }, query: { mailbox } },
    }),
  );
}

export async function remove(id: string, mailbox: Mailbox): Promise<void> {
  unwrap(
    await messaging.DELETE("/api/messaging/mail/messages/{message_id}", {
      params: { path: { message_id: id }, query: { mailbox } },
    }),
  );
}

/** Downloads an attachment with the session's token and hands it to the browser. */
export async function download(id: string, fileName: string, mailbox: Mailbox): Promise<void> {
  const response = await authFetch(
    new Request(`/api/messaging/mail/attachments/${id}?mailbox=${mailbox}`),
  );
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
