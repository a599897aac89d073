import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate, useOutletContext } from "react-router";
import { signOut } from "../../components/Shell";
import { ApiProblem } from "../../lib/api";
import { checkNewPassword, refusedPassword, type PasswordErrors } from "../../lib/newPassword";
import { schoolDateTime } from "../../lib/when";
import { changePassword, revokeSession, signOutEverywhere, useSessions } from "./api";
import { accountsMessage } from "./messages";
import { deviceName } from "./model";

type Me = { login: string } | undefined;

/** One's own account: the sessions (sign out of one, or everywhere) and the password. */
export function AccountPage() {
  const me = useOutletContext<Me>();
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Мой профиль</h1>
      {me && (
        <p>
          Логин: <strong>{me.login}</strong>
        </p>
      )}
      <Sessions />
      <PasswordChange login={me?.login ?? ""} />
    </section>
  );
}

function Sessions() {
  const sessions = useSessions();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function end(sessionId: string) {
    setFailure(null);
    setBusy(sessionId);
    try {
      await revokeSession(sessionId);
      await queries.invalidateQueries({ queryKey: ["accounts", "sessions"] });
    } catch (error) {
      setFailure(accountsMessage(error));
    } finally {
      setBusy(null);
    }
  }

  async function everywhere() {
    if (!window.confirm("Выйти на всех устройствах, и на этом тоже?")) return;
    setFailure(null);
    try {
      await signOutEverywhere();
      await signOut();
      queries.clear();
      navigate("/signin", { replace: true });
    } catch (error) {
      setFailure(accountsMessage(error));
    }
  }

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Где выполнен вход</h2>
      {sessions.isPending && <p>Загрузка…</p>}
      {sessions.error != null && (
        <p className="error" role="alert">
          {accountsMessage(sessions.error)}
        </p>
      )}
      {sessions.data && (
        <ul className="stack" aria-label="Сеансы">
          {sessions.data.map((s) => {
            const device = deviceName(s.client);
            const since = schoolDateTime(s.created_at);
            return (
              <li key={s.id} className="card session" data-current={s.current || undefined}>
                <div>
                  <strong>{device}</strong>{" "}
                  {s.current && <span className="badge">этот сеанс</span>}
                </div>
                <div className="muted">
                  Вход: {since}; последняя активность: {schoolDateTime(s.last_used_at)}
                </div>
                {!s.current && (
                  <button
                    type="button"
                    onClick={() => end(s.id)}
                    disabled={busy === s.id}
                    aria-label={`Завершить сеанс: ${device}, вход ${since}`}
                  >
                    Завершить
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <button type="button" onClick={everywhere}>
        Выйти на всех устройствах
      </button>
    </section>
  );
}

function PasswordChange({ login }: { login: string }) {
  const queries = useQueryClient();
  const [errors, setErrors] = useState<PasswordErrors & { current?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const current = String(form.get("current"));
    const password = String(form.get("password"));
    const checked: PasswordErrors & { current?: string } = checkNewPassword(
      password,
      String(form.get("repeat")),
      login,
    );
    if (!current) checked.current = "Введите нынешний пароль.";
    setErrors(checked);
    setFailure(null);
    setDone(null);
    if (checked.current || checked.password || checked.repeat) return;
    setBusy(true);
    try {
      const ended = await changePassword(current, password);
      formElement.reset();
      setDone(
        ended > 0
          ? `Пароль изменён. На других устройствах выполнен выход (${ended}).`
          : "Пароль изменён.",
      );
      await queries.invalidateQueries({ queryKey: ["accounts", "sessions"] });
    } catch (error) {
      const refused = refusedPassword(error);
      if (refused) setErrors({ password: refused });
      else if (error instanceof ApiProblem && error.slug === "wrong-password")
        setErrors({ current: accountsMessage(error) });
      else setFailure(accountsMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Смена пароля</h2>
      <form className="card form-grid" onSubmit={submit} noValidate>
        <input type="text" name="username" autoComplete="username" value={login} readOnly hidden />
        <Field name="current" label="Нынешний пароль" autoComplete="current-password" error={errors.current} />
        <Field name="password" label="Новый пароль" autoComplete="new-password" error={errors.password} />
        <p className="muted hint">
          Не меньше 8 символов; не логин и не простой пароль вроде «12345678». После смены на
          других устройствах нужно будет войти заново.
        </p>
        <Field name="repeat" label="Новый пароль ещё раз" autoComplete="new-password" error={errors.repeat} />
        {failure && (
          <p className="error" role="alert">
            {failure}
          </p>
        )}
        {done && (
          <p className="ok" role="status">
            {done}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Сохранение…" : "Сменить пароль"}
        </button>
      </form>
    </section>
  );
}

function Field(props: { name: string; label: string; autoComplete: string; error?: string }) {
  const errorId = `${props.name}-error`;
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type="password"
        autoComplete={props.autoComplete}
        required
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
      />
      {props.error != null && (
        <span id={errorId} className="error" role="alert">
          {props.error}
        </span>
      )}
    </label>
  );
}
