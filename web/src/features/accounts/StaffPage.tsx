import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useOutletContext } from "react-router";
import { roleName } from "../../app/roles";
import {
  createStaff,
  disable,
  fullName,
  grantRole,
  reissue,
  revokeRole,
  useGrantableRoles,
  useStaff,
  type AccountOut,
  type ActivationOut,
  type StaffRole,
} from "./api";
import { CodeCard } from "./CodeCard";
import { accountsMessage } from "./messages";
import { accountState, STATE_NAMES } from "./model";

const REFUSED_ROLE = "Вам нельзя выдавать или снимать эту роль: так решает таблица полномочий.";

type Issued = { name: string; login: string; activation: ActivationOut };

/** The sysadmin's staff accounts: create one (its code shown once), roles, codes, disabling. */
export function StaffPage() {
  const staff = useStaff();
  const grantable = useGrantableRoles();
  const [issued, setIssued] = useState<Issued | null>(null);
  const roles = grantable.data ?? [];
  const me = useOutletContext<{ account_id: string } | undefined>();
  const [query, setQuery] = useState("");
  const shown = (staff.data ?? []).filter((account) => matches(account, query));
  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">Сотрудники</h1>
      {issued && <CodeCard {...issued} onClose={() => setIssued(null)} />}
      <CreateStaff roles={roles} onIssued={setIssued} />
      <h2>Учётные записи сотрудников</h2>
      {staff.isPending && <p>Загрузка…</p>}
      {staff.error != null && (
        <p className="error" role="alert">
          {accountsMessage(staff.error)}
        </p>
      )}
      {staff.data && (
        <>
          <label className="field search">
            <span>Найти по фамилии, имени или логину</span>
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
          </label>
          <p className="muted" role="status">
            Показано: {shown.length} из {staff.data.length}
          </p>
          <ul className="stack" aria-label="Сотрудники">
            {shown.map((account) => (
              <StaffMember
                key={account.account_id}
                account={account}
                grantable={roles}
                own={account.account_id === me?.account_id}
                onIssued={setIssued}
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function matches(account: AccountOut, query: string): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const text = [account.last_name, account.first_name, account.middle_name, account.login]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

function CreateStaff(props: { roles: StaffRole[]; onIssued: (issued: Issued) => void }) {
  const queries = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const roles = form.getAll("role").map(String) as StaffRole[];
    if (!text("last_name") || !text("first_name")) {
      setFailure("Укажите фамилию и имя.");
      return;
    }
    if (roles.length === 0) {
      setFailure("Выберите хотя бы одну роль.");
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const created = await createStaff({
        last_name: text("last_name"),
        first_name: text("first_name"),
        middle_name: text("middle_name") || null,
        login: text("login") || null,
        roles,
      });
      formElement.reset();
      if (created.activation) {
        props.onIssued({ name: fullName(created), login: created.login, activation: created.activation });
      }
      await queries.invalidateQueries({ queryKey: ["accounts", "staff"] });
    } catch (error) {
      setFailure(accountsMessage(error, REFUSED_ROLE));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card" open>
      <summary>Новый сотрудник</summary>
      <form className="form-grid" onSubmit={submit} aria-label="Новый сотрудник" noValidate>
        <label className="field">
          <span>Фамилия</span>
          <input name="last_name" required autoComplete="off" />
        </label>
        <label className="field">
          <span>Имя</span>
          <input name="first_name" required autoComplete="off" />
        </label>
        <label className="field">
          <span>Отчество</span>
          <input name="middle_name" autoComplete="off" />
        </label>
        <label className="field">
          <span>Логин (необязательно: составится из имени)</span>
          <input name="login" autoComplete="off" spellCheck={false} />
        </label>
        <fieldset className="roles">
          <legend>Роли</legend>
          {props.roles.map((role) => (
            <label key={role} className="check">
              <input type="checkbox" name="role" value={role} /> {roleName(role)}
            </label>
          ))}
        </fieldset>
        {failure && (
          <p className="error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Создание…" : "Создать учётную запись"}
        </button>
      </form>
    </details>
  );
}

function StaffMember(props: {
  account: AccountOut;
  grantable: StaffRole[];
  /** The caller's own account: its code and disabling are for another sysadmin. */
  own: boolean;
  onIssued: (issued: Issued) => void;
}) {
  const { account } = props;
  const queries = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = fullName({
    last_name: account.last_name ?? "",
    first_name: account.first_name ?? "",
    middle_name: account.middle_name,
  }) || account.login;
  const state = accountState(account);
  const missing = props.grantable.filter((role) => !account.roles.includes(role));

  async function act(action: () => Promise<unknown>, forbidden = REFUSED_ROLE) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
      await queries.invalidateQueries({ queryKey: ["accounts", "staff"] });
    } catch (error) {
      setFailure(accountsMessage(error, forbidden));
    } finally {
      setBusy(false);
    }
  }

  function grant(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const role = String(new FormData(event.currentTarget).get("role") ?? "") as StaffRole;
    if (role) void act(() => grantRole(account.account_id, role));
  }

  async function newCode() {
    const warning =
      state === "activated"
        ? `Сбросить пароль сотрудника ${name}? Его сеансы завершатся, войти можно будет только с новым кодом.`
        : `Выдать ${name} новый код? Прежний код перестанет действовать.`;
    if (!window.confirm(warning)) return;
    await act(async () => {
      const issued = await reissue(account.account_id);
      props.onIssued({ name, login: issued.login, activation: issued.activation });
    }, "Это действие вам недоступно.");
  }

  return (
    <li className="card member" data-login={account.login} data-state={state}>
      <div>
        <strong>{name}</strong> <span className="muted">{account.login}</span>{" "}
        <span className={`state state-${state}`}>{STATE_NAMES[state]}</span>
      </div>
      <ul className="role-list" aria-label={`Роли: ${name}`}>
        {account.roles.map((role) => (
          <li key={role}>
            {roleName(role)}
            {props.grantable.includes(role as StaffRole) && state !== "disabled" && (
              <button
                type="button"
                className="link"
                disabled={busy}
                aria-label={`Снять роль «${roleName(role)}»: ${name}`}
                onClick={() => act(() => revokeRole(account.account_id, role as StaffRole))}
              >
                снять
              </button>
            )}
          </li>
        ))}
      </ul>
      {state !== "disabled" && (
        <div className="actions">
          {missing.length > 0 && (
            <form className="inline-form" onSubmit={grant}>
              <label className="field">
                <span className="sr-only">Добавить роль</span>
                <select name="role" aria-label={`Добавить роль: ${name}`} defaultValue={missing[0]}>
                  {missing.map((role) => (
                    <option key={role} value={role}>
                      {roleName(role)}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={busy} aria-label={`Выдать роль: ${name}`}>
                Выдать роль
              </button>
            </form>
          )}
          {!props.own && (
            <>
              <button
                type="button"
                disabled={busy}
                onClick={newCode}
                aria-label={`Новый код: ${name}`}
              >
                {state === "activated" ? "Сбросить пароль" : "Новый код"}
              </button>
              <button
                type="button"
                disabled={busy}
                aria-label={`Отключить: ${name}`}
                onClick={() => {
                  if (window.confirm(`Отключить учётную запись ${name}? Все её сеансы завершатся.`))
                    void act(() => disable(account.account_id), "Это действие вам недоступно.");
                }}
              >
                Отключить
              </button>
            </>
          )}
        </div>
      )}
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </li>
  );
}
