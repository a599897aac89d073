import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate } from "react-router";
import { ApiProblem } from "../../lib/api";
import { checkNewPassword, refusedPassword, type PasswordErrors } from "../../lib/newPassword";
import { queryClient } from "../../lib/queryClient";
import { hasSession, startSession, type Tokens } from "../../lib/session";

const WRONG_CODE =
  "Неверный логин или код активации, либо код уже использован или его срок истёк. " +
  "Если код не подходит, попросите новый у заместителя директора (ученикам и родителям) " +
  "или у системного администратора (сотрудникам).";
const AWAY = "Сервер недоступен. Проверьте подключение к сети и попробуйте ещё раз через минуту.";
const THROTTLED = "Слишком много попыток. Подождите немного и попробуйте снова.";

type Result = { tokens: Tokens } | { problem: ApiProblem } | { away: true };

async function activate(login: string, code: string, newPassword: string): Promise<Result> {
  let response: Response;
  try {
    response = await fetch("/api/auth/activate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login, code, new_password: newPassword }),
    });
  } catch {
    return { away: true };
  }
  if (response.ok) return { tokens: (await response.json()) as Tokens };
  if (response.status >= 500) return { away: true };
  const body = (await response.json().catch(() => ({}))) as ApiProblem["problem"];
  return { problem: new ApiProblem(response.status, body) };
}

/** The first sign-in: the login and activation code of the slip, and one's own password. */
export function ActivatePage() {
  const navigate = useNavigate();
  const [errors, setErrors] = useState<PasswordErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (hasSession()) return <Navigate to="/" replace />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const login = String(form.get("login")).trim();
    const code = String(form.get("code")).trim();
    const password = String(form.get("password"));
    const checked = checkNewPassword(password, String(form.get("repeat")), login);
    setErrors(checked);
    setFailure(login && code ? null : "Введите логин и код активации с листка.");
    if (!login || !code || checked.password || checked.repeat) return;
    setBusy(true);
    try {
      const result = await activate(login, code, password);
      if ("tokens" in result) {
        queryClient.clear();
        startSession(result.tokens);
        navigate("/", { replace: true });
        return;
      }
      if ("away" in result) setFailure(AWAY);
      else if (result.problem.status === 429) setFailure(THROTTLED);
      else {
        const refused = refusedPassword(result.problem);
        if (refused) setErrors({ password: refused });
        else setFailure(WRONG_CODE);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card signin-form" onSubmit={submit} aria-labelledby="activate-title" noValidate>
        <h1 id="activate-title">Первый вход</h1>
        <p className="muted">
          Введите логин и код активации с листка, который вам выдали в школе, и придумайте
          свой пароль. Код действует один раз.
        </p>
        <label>
          Логин
          <input name="login" autoComplete="username" required autoFocus />
        </label>
        <label>
          Код активации
          <input
            name="code"
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            required
            placeholder="XXXXX-XXXXX"
          />
        </label>
        <label>
          Новый пароль
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={errors.password ? true : undefined}
            aria-describedby="password-hint password-error"
          />
        </label>
        <span id="password-hint" className="muted">
          Не меньше 8 символов; не логин и не простой пароль вроде «12345678».
        </span>
        {errors.password && (
          <span id="password-error" className="error" role="alert">
            {errors.password}
          </span>
        )}
        <label>
          Пароль ещё раз
          <input
            name="repeat"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={errors.repeat ? true : undefined}
            aria-describedby="repeat-error"
          />
        </label>
        {errors.repeat && (
          <span id="repeat-error" className="error" role="alert">
            {errors.repeat}
          </span>
        )}
        {failure && (
          <p className="error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Вход…" : "Сохранить пароль и войти"}
        </button>
        <Link to="/signin">У меня уже есть пароль: войти</Link>
      </form>
    </main>
  );
}
