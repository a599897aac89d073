import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { queryClient } from "../../lib/queryClient";
import { hasSession, ServerAway, startSession, type Tokens } from "../../lib/session";
import { ExternalSignInButton } from "./external";

type Failure = "credentials" | "away" | "throttled" | null;

const MESSAGES: Record<Exclude<Failure, null>, string> = {
  credentials: "Неверный логин или пароль.",
  away: "Сервер недоступен. Проверьте подключение к сети и попробуйте ещё раз через минуту.",
  throttled: "Слишком много попыток входа. Подождите немного и попробуйте снова.",
};

async function login(loginName: string, password: string): Promise<Tokens | Failure> {
  let response: Response;
  try {
    response = await fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: loginName, password }),
    });
  } catch {
    return "away";
  }
  if (response.ok) return (await response.json()) as Tokens;
  if (response.status === 429) return "throttled";
  if (response.status >= 500) return "away";
  return "credentials";
}

export function SignInPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const [failure, setFailure] = useState<Failure>(null);
  const [busy, setBusy] = useState(false);
  if (hasSession()) return <Navigate to="/" replace />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setFailure(null);
    try {
      const result = await login(String(form.get("login")), String(form.get("password")));
      if (typeof result === "string" || result === null) {
        setFailure(result ?? "credentials");
        return;
      }
      queryClient.clear();
      startSession(result);
      const back = (location.state as { from?: string } | null)?.from;
      navigate(back && back !== "/signin" ? back : "/", { replace: true });
    } catch (error) {
      setFailure(error instanceof ServerAway ? "away" : "credentials");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card signin-form" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Электронный журнал</h1>
        <p className="muted">Вход для учителей, учеников и родителей</p>
        <label>
          Логин
          <input name="login" autoComplete="username" required autoFocus />
        </label>
        <label>
          Пароль
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {failure && (
          <p className="error" role="alert">
            {MESSAGES[failure]}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Вход…" : "Войти"}
        </button>
        <Link to="/activate">Первый вход: у меня есть код</Link>
        <ExternalSignInButton />
      </form>
    </main>
  );
}
