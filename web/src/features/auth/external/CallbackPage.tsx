import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { queryClient } from "../../../lib/queryClient";
import { startSession } from "../../../lib/session";
import { callbackFromQuery, complete } from "./api";
import { externalMessage } from "./messages";

/** Where the provider sends the browser back (/signin/external): the sign-in completed
 * and the person taken in, or the link made and the person taken back to it. */
export function CallbackPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const answer = callbackFromQuery(location.search);
    if (answer === null) {
      setFailure("Госуслуги не передали результат входа. Начните вход ещё раз.");
      return;
    }
    let current = true;
    complete(answer).then(
      (result) => {
        if (!current) return;
        if (result.outcome === "signed_in" && result.tokens) {
          queryClient.clear();
          startSession(result.tokens);
          navigate("/", { replace: true });
        } else {
          queryClient.removeQueries({ queryKey: ["auth", "oidc"] });
          navigate("/external-account", { replace: true, state: { linked: true } });
        }
      },
      (error: unknown) => {
        if (current) setFailure(externalMessage(error));
      },
    );
    return () => {
      current = false;
    };
  }, [location.search, navigate]);

  return (
    <main className="signin">
      <section className="card signin-form" aria-labelledby="external-title" aria-live="polite">
        <h1 id="external-title">Вход через Госуслуги</h1>
        {failure ? (
          <>
            <p className="error" role="alert">
              {failure}
            </p>
            <Link to="/signin">Ко входу</Link>
          </>
        ) : (
          <p>Завершаем вход…</p>
        )}
      </section>
    </main>
  );
}
