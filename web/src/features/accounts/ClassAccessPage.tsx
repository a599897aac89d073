import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import {
  disable,
  fullName,
  issueClass,
  issueOne,
  reissue,
  saveBlob,
  useClassAccounts,
  useClasses,
  type ActivationOut,
  type SchoolClass,
} from "./api";
import { CodeCard } from "./CodeCard";
import { accountsMessage } from "./messages";
import { anyoneToIssue, classRows, STATE_NAMES, type ClassRow } from "./model";

type Issued = { name: string; login: string; activation: ActivationOut };

/** The deputy's credentials for students and parents, class by class. */
export function ClassAccessPage() {
  const { classId } = useParams();
  const navigate = useNavigate();
  const classes = useClasses();
  const chosen = classes.data?.find((c) => c.classId === classId);
  return (
    <section aria-labelledby="access-title">
      <h1 id="access-title">Доступ учеников и родителей</h1>
      <p className="muted">
        Выдайте классу коды активации: каждый получит листок с логином и кодом и при первом
        входе придумает свой пароль.
      </p>
      {classes.error != null && (
        <p className="error" role="alert">
          {accountsMessage(classes.error)}
        </p>
      )}
      <label className="field class-pick">
        <span>Класс</span>
        <select
          value={classId ?? ""}
          onChange={(event) => navigate(`/class-access/${event.target.value}`)}
        >
          <option value="" disabled>
            Выберите класс
          </option>
          {classes.data?.map((c) => (
            <option key={c.classId} value={c.classId}>
              {c.name} ({c.students} уч.)
            </option>
          ))}
        </select>
      </label>
      {chosen && <ClassAccess key={chosen.classId} schoolClass={chosen} />}
    </section>
  );
}

function ClassAccess({ schoolClass }: { schoolClass: SchoolClass }) {
  const data = useClassAccounts(schoolClass.classId);
  const queries = useQueryClient();
  const [pdf, setPdf] = useState<{ blob: Blob; url: string } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const fileName = `доступ-${schoolClass.name}.pdf`;
  const rows = data.data ? classRows(data.data.people, data.data.accounts) : [];
  const counts = {
    issued: rows.filter((r) => r.state !== "none").length,
    activated: rows.filter((r) => r.state === "activated").length,
  };

  async function issueAll() {
    if (!data.data) return;
    const waiting = rows.filter((r) => r.state === "issued").length;
    if (
      waiting > 0 &&
      !window.confirm(
        `У ${waiting} чел. уже есть код, ещё не использованный: они получат новые коды, ` +
          "прежние листки перестанут действовать. Продолжить?",
      )
    )
      return;
    setBusy(true);
    setFailure(null);
    try {
      const blob = await issueClass(schoolClass.classId, schoolClass.name, data.data.people);
      if (pdf) URL.revokeObjectURL(pdf.url);
      setPdf({ blob, url: URL.createObjectURL(blob) });
      saveBlob(blob, fileName);
      await refresh();
    } catch (error) {
      setFailure(accountsMessage(error));
    } finally {
      setBusy(false);
    }
  }

  async function refresh() {
    await queries.invalidateQueries({ queryKey: ["accounts", "class", schoolClass.classId] });
  }

  return (
    <section aria-labelledby="class-title">
      <h2 id="class-title">Класс {schoolClass.name}</h2>
      {data.isPending && <p>Загрузка…</p>}
      {data.error != null && (
        <p className="error" role="alert">
          {accountsMessage(data.error)}
        </p>
      )}
      {data.data && (
        <>
          <p data-testid="class-counts">
            Учеников и родителей: {rows.length}; доступ выдан: {counts.issued}; активировали:{" "}
            {counts.activated}.
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={issueAll}
              disabled={busy || !anyoneToIssue(rows)}
            >
              {busy ? "Выдача…" : "Выдать доступ классу (PDF с листками)"}
            </button>
            {pdf && (
              <>
                <button type="button" onClick={() => saveBlob(pdf.blob, fileName)}>
                  Скачать PDF ещё раз
                </button>
                <a href={pdf.url} target="_blank" rel="noopener">
                  Открыть PDF для печати
                </a>
              </>
            )}
          </div>
          {!anyoneToIssue(rows) && (
            <p className="muted">Доступ выдан всем; новый код можно выдать каждому ниже.</p>
          )}
          {pdf && (
            <p className="ok" role="status">
              Коды выданы, PDF с листками скачан. Коды есть только в этом файле: раздайте
              листки или напечатайте его.
            </p>
          )}
          {failure && (
            <p className="error" role="alert">
              {failure}
            </p>
          )}
          {issued && <CodeCard {...issued} onClose={() => setIssued(null)} />}
          <ul className="stack" aria-label={`Ученики и родители ${schoolClass.name}`}>
            {rows.map((row) => (
              <Person key={row.personId} row={row} onIssued={setIssued} onChanged={refresh} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Person(props: {
  row: ClassRow;
  onIssued: (issued: Issued) => void;
  onChanged: () => Promise<void>;
}) {
  const { row } = props;
  const name = fullName(row);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(action: () => Promise<void>) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
      await props.onChanged();
    } catch (error) {
      setFailure(accountsMessage(error));
    } finally {
      setBusy(false);
    }
  }

  const issue = () =>
    act(async () => {
      const made = await issueOne(row);
      if (made.activation) props.onIssued({ name, login: made.login, activation: made.activation });
    });

  const newCode = () => {
    const warning =
      row.state === "activated"
        ? `Сбросить пароль: ${name}? Сеансы завершатся, войти можно будет только с новым кодом.`
        : `Выдать новый код: ${name}? Прежний код перестанет действовать.`;
    if (!window.confirm(warning) || !row.account) return;
    const accountId = row.account.account_id;
    void act(async () => {
      const made = await reissue(accountId);
      props.onIssued({ name, login: made.login, activation: made.activation });
    });
  };

  const off = () => {
    if (!row.account || !window.confirm(`Отключить доступ: ${name}?`)) return;
    const accountId = row.account.account_id;
    void act(() => disable(accountId));
  };

  return (
    <li className="card member" data-person={row.personId} data-state={row.state}>
      <div>
        <strong>{name}</strong>{" "}
        <span className="muted">
          {row.kind === "student" ? "ученик" : `родитель (${row.children.join(", ")})`}
        </span>
      </div>
      <div>
        {row.account && <span className="muted">{row.account.login} · </span>}
        <span className={`state state-${row.state}`}>{STATE_NAMES[row.state]}</span>
      </div>
      <div className="actions">
        {row.state === "none" && (
          <button type="button" disabled={busy} onClick={issue} aria-label={`Выдать доступ: ${name}`}>
            Выдать доступ
          </button>
        )}
        {(row.state === "issued" || row.state === "activated") && (
          <>
            <button type="button" disabled={busy} onClick={newCode} aria-label={`Новый код: ${name}`}>
              {row.state === "activated" ? "Сбросить пароль" : "Новый код"}
            </button>
            <button type="button" disabled={busy} onClick={off} aria-label={`Отключить: ${name}`}>
              Отключить
            </button>
          </>
        )}
      </div>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </li>
  );
}
