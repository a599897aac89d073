import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, NavLink, useSearchParams } from "react-router";
import { schoolDateTime } from "../../lib/when";
import { type Folder, MAIL, type Mailbox, PAGE, restoreThread, useMessages, useUnread } from "./api";
import { mailProblem } from "./problems";

const FOLDERS: { folder: Folder; label: string }[] = [
  { folder: "inbox", label: "Входящие" },
  { folder: "sent", label: "Отправленные" },
  { folder: "archive", label: "Архив" },
];

/** One's mailbox (or, `mailbox="help"`, the school's help mailbox for its sysadmins):
 * a folder newest first, unread marked, searched by the server's full text, paged. */
export function MailboxPage({ mailbox = "own" }: { mailbox?: Mailbox }) {
  const [params, setParams] = useSearchParams();
  const folder = (params.get("folder") as Folder | null) ?? "inbox";
  const q = params.get("q") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const [typed, setTyped] = useState(q);
  const messages = useMessages(folder, q, offset, mailbox);
  const unread = useUnread();
  const base = mailbox === "help" ? "/mail/help" : "/mail";
  const unreadHere = mailbox === "help" ? unread.data?.help : unread.data?.inbox;
  const go = (next: Record<string, string>) => setParams({ folder, ...(q ? { q } : {}), ...next });
  const queries = useQueryClient();
  const restore = useMutation({
    mutationFn: (threadId: string) => restoreThread(threadId, mailbox),
    onSuccess: () => void queries.invalidateQueries({ queryKey: MAIL }),
  });

  return (
    <section aria-labelledby="mail-title" className="mail">
      <div className="diary-head">
        <h1 id="mail-title">{mailbox === "help" ? "Поддержка: обращения" : "Почта"}</h1>
        <p className="muted" aria-live="polite" data-testid="mail-unread">
          {unreadHere ? `Непрочитанных: ${unreadHere}` : "Всё прочитано"}
        </p>
      </div>
      <div className="toolbar">
        {mailbox === "own" && (
          <>
            <Link className="button" to="/mail/new">Написать</Link>
            <Link className="button" to="/mail/new?to=help">Написать в поддержку</Link>
          </>
        )}
        {mailbox === "own" && unread.data?.help != null && (
          <Link to="/mail/help">Обращения в поддержку{unread.data.help ? ` (${unread.data.help})` : ""}</Link>
        )}
        {mailbox === "help" && <Link to="/mail">Моя почта</Link>}
      </div>
      <nav className="tabs" aria-label="Папки">
        {FOLDERS.map((one) => (
          <NavLink
            key={one.folder}
            to={`${base}?folder=${one.folder}`}
            className={() => (one.folder === folder ? "active" : "")}
            aria-current={one.folder === folder ? "page" : undefined}
          >
            {one.label}
            {one.folder === "inbox" && unreadHere ? ` (${unreadHere})` : ""}
          </NavLink>
        ))}
      </nav>
      <form
        role="search"
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ folder, ...(typed.trim() ? { q: typed.trim() } : {}) });
        }}
      >
        <label className="field">
          <span>Поиск по письмам</span>
          <input type="search" value={typed} onChange={(event) => setTyped(event.target.value)} />
        </label>
        <button type="submit">Найти</button>
      </form>
      {messages.isPending && <p>Загрузка…</p>}
      {messages.isError && (
        <p className="error" role="alert">Письма не загрузились: {mailProblem(messages.error)}</p>
      )}
      {restore.isError && (
        <p className="error" role="alert">Не удалось вернуть из архива: {mailProblem(restore.error)}</p>
      )}
      {restore.isSuccess && (
        <p className="ok" role="status">Переписка возвращена из архива.</p>
      )}
      {messages.data && messages.data.items.length === 0 && (
        <p>{q ? "Ничего не нашлось." : folder === "archive" ? "В архиве пусто." : "Писем нет."}</p>
      )}
      {messages.data && messages.data.items.length > 0 && (
        <ul className="card feed-list mail-list" aria-label="Письма">
          {messages.data.items.map((item) => {
            const unreadOne = item.folder === "inbox" && !item.read_at;
            const who = item.folder === "sent" ? "Вы" : (item.sender.name ?? (item.sender.kind === "student" ? "Ученик" : "Родитель"));
            return (
              <li key={item.id} data-testid="mail-item" className={unreadOne ? "unread" : "read"}>
                <Link to={`${base}/threads/${item.thread_id}`}>
                  {unreadOne && <span className="badge">новое</span>} <strong>{item.subject}</strong>
                </Link>
                <p className="muted">
                  {who} · {schoolDateTime(item.sent_at)}
                  {item.attachments ? ` · вложений: ${item.attachments}` : ""}
                </p>
                <p>{item.snippet}</p>
                {folder === "archive" && (
                  <button
                    type="button"
                    className="link"
                    disabled={restore.isPending}
                    aria-label={`Вернуть из архива: ${item.subject}`}
                    onClick={() => restore.mutate(item.thread_id)}
                  >
                    Вернуть из архива
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {messages.data && messages.data.total > PAGE && (
        <div className="toolbar" aria-label="Страницы">
          <button type="button" disabled={offset === 0} onClick={() => go({ offset: String(Math.max(0, offset - PAGE)) })}>
            Новее
          </button>
          <span className="muted">
            {offset + 1}–{Math.min(offset + PAGE, messages.data.total)} из {messages.data.total}
          </span>
          <button
            type="button"
            disabled={offset + PAGE >= messages.data.total}
            onClick={() => go({ offset: String(offset + PAGE) })}
          >
            Старше
          </button>
        </div>
      )}
    </section>
  );
}
