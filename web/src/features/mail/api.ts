// Mail through the typed messaging client.
import { useQuery } from "@tanstack/react-query";
import { messaging, unwrap } from "../../lib/api";
import { authFetch } from "../../lib/http";

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

export function useUnread() {
  return useQuery({
    queryKey: [...MAIL, "unread"],
    queryFn: async () => unwrap(await messaging.GET("/api/messaging/mail/unread", {})),
    refetchInterval: 30_000,
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

export async function archive(id: string, mailbox: Mailbox): Promise<void> {
  unwrap(
    await messaging.POST("/api/messaging/mail/messages/{message_id}/archive", {
      params: { path: { message_id: id }, query: { mailbox } },
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
