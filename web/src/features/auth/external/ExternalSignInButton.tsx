import { useState } from "react";
import { goToProvider, useProvider } from "./api";
import { externalMessage } from "./messages";

/** «Войти через Госуслуги» on the sign-in page, shown only when the server offers it. */
export function ExternalSignInButton() {
  const provider = useProvider();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  if (!provider.data?.configured) return null;
  const name = provider.data.name ?? "Госуслуги";

  async function go() {
    setBusy(true);
    setFailure(null);
    try {
      await goToProvider("sign-in");
    } catch (error) {
      setFailure(externalMessage(error));
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <p className="muted">или</p>
      <button type="button" onClick={go} disabled={busy}>
        {busy ? "Переход на " + name + "…" : "Войти через " + name}
      </button>
      <p className="muted">Для родителей и сотрудников, привязавших учётную запись «{name}».</p>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </div>
  );
}
