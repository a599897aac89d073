import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { MAIL, useContacts } from "./api";
import { mailProblem, problemField } from "./problems";
import { matching, pick, type RecipientOption, recipientOptions, unpick } from "./recipients";
import { onceSender } from "./sending";

const HELP: RecipientOption = { key: "help", label: "Поддержка (системный администратор школы)", recipient: { kind: "help" } };

/** A new message: recipients from `/contacts` (people and the groups one may address, or
 * the help mailbox), subject, text, files; sent once per draft (Idempotency-Key). */
export function ComposePage() {
  const [params] = useSearchParams();
  const contacts = useContacts();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [picked, setPicked] = useState<RecipientOption[]>(params.get("to") === "help" ? [HELP] : []);
  const [typed, setTyped] = useState("");
  const [subject, setSubject] = useState(params.get("to") === "help" ? "Вопрос в поддержку" : "");
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const send = useMemo(() => onceSender(), []);
  const options = useMemo(
    () => [...recipientOptions(contacts.data?.people ?? [], contacts.data?.groups ?? []), HELP],
    [contacts.data],
  );
  const found = matching(options, picked, typed).slice(0, 30);
  const sending = useMutation({
    mutationFn: () =>
      send({ kind: "new", subject, body, to: picked.map((one) => one.recipient), files }),
    onSuccess: (sent) => {
      void queries.invalidateQueries({ queryKey: MAIL });
      const thread = (sent as { message?: { thread_id?: string } }).message?.thread_id;
      navigate(thread ? `/mail/threads/${thread}` : "/mail?folder=sent");
    },
  });
  const field = problemField(sending.error);
  const error = sending.isError ? mailProblem(sending.error) : "";

  return (
    <section aria-labelledby="compose-title" className="mail-compose">
      <h1 id="compose-title">Новое письмо</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          sending.mutate();
        }}
      >
        <fieldset>
          <legend>Кому</legend>
          <ul className="inline-list" aria-label="Выбранные адресаты">
            {picked.map((one) => (
              <li key={one.key}>
                {one.label}{" "}
                <button type="button" className="link" aria-label={`Убрать: ${one.label}`} onClick={() => setPicked(unpick(picked, one.key))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <label className="field">
            <span>Найти адресата</span>
            <input type="search" value={typed} onChange={(event) => setTyped(event.target.value)} />
          </label>
          {contacts.isError && <p className="error">Список адресатов не загрузился: {mailProblem(contacts.error)}</p>}
          <ul className="stack recipient-options" aria-label="Можно написать">
            {found.map((option) => (
              <li key={option.key}>
                <button type="button" className="link" onClick={() => { setPicked(pick(picked, option)); setTyped(""); }}>
                  {option.label}
                </button>
              </li>
            ))}
          </ul>
          {field === "to" && <p className="error" role="alert">{error}</p>}
        </fieldset>
        <label className="field">
          <span>Тема</span>
          <input value={subject} maxLength={200} required onChange={(event) => setSubject(event.target.value)} />
        </label>
        <label className="field">
          <span>Текст</span>
          <textarea rows={6} value={body} required onChange={(event) => setBody(event.target.value)} />
        </label>
        {field === "text" && <p className="error" role="alert">{error}</p>}
        <label className="field">
          <span>Вложения</span>
          <input type="file" multiple onChange={(event) => setFiles([...(event.target.files ?? [])])} />
        </label>
        {field === "files" && <p className="error" role="alert">{error}</p>}
        {sending.isError && !field && <p className="error" role="alert">{error}</p>}
        <div className="toolbar">
          <button type="submit" disabled={sending.isPending || picked.length === 0}>
            {sending.isPending ? "Отправка…" : "Отправить"}
          </button>
          <button type="button" onClick={() => navigate("/mail")}>Отмена</button>
        </div>
      </form>
    </section>
  );
}
