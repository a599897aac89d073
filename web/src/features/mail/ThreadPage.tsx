import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { schoolDateTime } from "../../lib/when";
import {
  archiveThread,
  download,
  MAIL,
  type Mailbox,
  markRead,
  remove,
  restoreThread,
  useReceipts,
  useThread,
} from "./api";
import { mailProblem, problemField } from "./problems";
import { onceSender } from "./sending";

type Party = { kind: string; name?: string | null };

function partyName(party: Party): string {
  if (party.name) return party.name;
  return party.kind === "parent" ? "Родитель" : party.kind === "student" ? "Ученик" : "Адресат";
}

function ReceiptsLine({ id, mailbox }: { id: string; mailbox: Mailbox }) {
  const receipts = useReceipts(id, true, mailbox);
  if (!receipts.data) return null;
  return (
    <p className="muted" data-testid="receipts">
      Прочитали {receipts.data.read} из {receipts.data.recipients}
      {receipts.data.items.some((one) => one.read_at) &&
        `: ${receipts.data.items
          .filter((one) => one.read_at)
          .map((one) => `${partyName(one.recipient)} (${schoolDateTime(one.read_at!)})`)
          .join(", ")}`}
    </p>
  );
}

/** A thread's messages oldest first; the unread ones are marked read on opening. Reply,
 * archive or delete one's own copy; the sender sees who has read. */
export function ThreadPage({ mailbox = "own" }: { mailbox?: Mailbox }) {
  const { threadId = "" } = useParams();
  const thread = useThread(threadId, mailbox);
  const queries = useQueryClient();
  const navigate = useNavigate();
  const back = mailbox === "help" ? "/mail/help" : "/mail";
  const refresh = () => void queries.invalidateQueries({ queryKey: MAIL });
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const send = useMemo(() => onceSender(), []);
  const reply = useMutation({
    mutationFn: () => send({ kind: "reply", threadId, body, all: false, files, mailbox }),
    onSuccess: () => {
      setBody("");
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
      refresh();
    },
  });
  const keep = useMutation({
    mutationFn: async (action: "archive" | "restore" | "delete") => {
      if (action === "archive") return archiveThread(threadId, mailbox);
      if (action === "restore") return restoreThread(threadId, mailbox);
      for (const message of thread.data?.messages ?? []) await remove(message.id, mailbox);
    },
    onSuccess: (_, action) => {
      refresh();
      if (action !== "restore") navigate(back);
    },
  });

  useEffect(() => {
    const unread = (thread.data?.messages ?? []).filter((m) => m.folder === "inbox" && !m.read_at);
    if (unread.length === 0) return;
    void Promise.all(unread.map((m) => markRead(m.id, mailbox))).then(refresh);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [thread.data]);

  if (thread.isPending) return <p>Загрузка…</p>;
  if (thread.isError) {
    return <p className="error" role="alert">Переписка не открылась: {mailProblem(thread.error)}</p>;
  }
  const field = problemField(reply.error);
  const archived = thread.data.messages.length > 0 && thread.data.messages.every((m) => m.archived_at);
  return (
    <section aria-labelledby="thread-title" className="mail-thread">
      <h1 id="thread-title">{thread.data.subject}</h1>
      <div className="toolbar">
        <button type="button" onClick={() => navigate(back)}>К письмам</button>
        {archived ? (
          <button type="button" disabled={keep.isPending} onClick={() => keep.mutate("restore")}>
            Вернуть из архива
          </button>
        ) : (
          <button type="button" disabled={keep.isPending} onClick={() => keep.mutate("archive")}>
            В архив
          </button>
        )}
        <button
          type="button"
          disabled={keep.isPending}
          onClick={() => {
            if (window.confirm("Удалить переписку из вашей почты? У других она останется.")) keep.mutate("delete");
          }}
        >
          Удалить у себя
        </button>
      </div>
      {keep.isError && <p className="error" role="alert">{mailProblem(keep.error)}</p>}
      <ol className="stack" aria-label="Сообщения">
        {thread.data.messages.map((message) => (
          <li key={message.id} className="card" data-testid="mail-message">
            <p className="muted">
              {message.folder === "sent" ? "Вы" : partyName(message.sender)} →{" "}
              {message.recipients.map(partyName).join(", ")}
              {message.hidden_recipients ? ` и ещё ${message.hidden_recipients}` : ""} ·{" "}
              {schoolDateTime(message.sent_at)}
            </p>
            <p style={{ whiteSpace: "pre-wrap" }}>{message.body}</p>
            {message.attachments.length > 0 && (
              <ul className="files" aria-label="Вложения">
                {message.attachments.map((file) => (
                  <li key={file.id}>
                    <button
                      type="button"
                      className="link"
                      aria-label={`Скачать ${file.file_name}`}
                      onClick={() => void download(file.id, file.file_name, mailbox)}
                    >
                      {file.file_name}
                    </button>{" "}
                    <span className="muted">{Math.ceil(file.size / 1024)} КБ</span>
                  </li>
                ))}
              </ul>
            )}
            {message.folder === "sent" && <ReceiptsLine id={message.id} mailbox={mailbox} />}
          </li>
        ))}
      </ol>
      <form
        aria-label="Ответить в переписке"
        onSubmit={(event) => {
          event.preventDefault();
          reply.mutate();
        }}
      >
        <label className="field">
          <span>Текст ответа</span>
          <textarea rows={4} value={body} required onChange={(event) => setBody(event.target.value)} />
        </label>
        {field === "text" && <p className="error" role="alert">{mailProblem(reply.error)}</p>}
        <label className="field">
          <span>Вложения</span>
          <input ref={fileInput} type="file" multiple onChange={(event) => setFiles([...(event.target.files ?? [])])} />
        </label>
        {field === "files" && <p className="error" role="alert">{mailProblem(reply.error)}</p>}
        {reply.isError && field !== "text" && field !== "files" && (
          <p className="error" role="alert">{mailProblem(reply.error)}</p>
        )}
        {reply.isSuccess && <p className="ok" role="status">Ответ отправлен.</p>}
        <button type="submit" disabled={reply.isPending || !body.trim()}>Ответить</button>
      </form>
    </section>
  );
}
