import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "react-router";
import { ApiProblem } from "../../../lib/api";
import { schoolDateTime } from "../../../lib/when";
import { goToProvider, LINK_KEY, unlink, useOwnLink } from "./api";
import { externalMessage } from "./messages";

/** One's link to Госуслуги: link it once (after signing in with one's password), then
 * sign in there; unlink. Students keep their passwords. */
export function LinkPage() {
  const link = useOwnLink();
  const queries = useQueryClient();
  const location = useLocation();
  const justLinked = (location.state as { linked?: boolean } | null)?.linked === true;
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [unlinked, setUnlinked] = useState(false);

  async function start() {
    setBusy(true);
    setFailure(null);
    try {
      await goToProvider("link");
    } catch (error) {
      setFailure(externalMessage(error));
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm("Отвязать Госуслуги? Входить можно будет только по логину и паролю.")) {
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await unlink();
      setUnlinked(true);
      await queries.invalidateQueries({ queryKey: LINK_KEY });
    } catch (error) {
      setFailure(externalMessage(error));
    } finally {
      setBusy(false);
    }
  }

  let body;
  if (link.isPending) {
    body = <p>Загрузка…</p>;
  } else if (link.isError) {
    const off = link.error instanceof ApiProblem && link.error.slug === "oidc-not-configured";
    body = (
      <p className={off ? "muted" : "error"} role={off ? undefined : "alert"}>
        {externalMessage(link.error)}
      </p>
    );
  } else if (!link.data.may_link) {
    body = (
      <p>
        Ученики входят в журнал по логину и паролю. Привязать {link.data.provider_name} могут
        родители и сотрудники школы.
      </p>
    );
  } else if (link.data.linked) {
    body = (
      <>
        <p role="status">
          {justLinked ? "Готово: " : ""}учётная запись «{link.data.provider_name}» привязана
          {link.data.linked_at ? ` (${schoolDateTime(link.data.linked_at)})` : ""}. Теперь можно
          входить кнопкой «Войти через {link.data.provider_name}» на странице входа.
        </p>
        <button type="button" onClick={remove} disabled={busy}>
          Отвязать {link.data.provider_name}
        </button>
      </>
    );
  } else {
    body = (
      <>
        {unlinked && <p role="status">Учётная запись «{link.data.provider_name}» отвязана.</p>}
        <p>
          Привяжите свою учётную запись «{link.data.provider_name}», чтобы входить в журнал через
          неё, без пароля журнала. Привязать можно одну учётную запись.
        </p>
        <button type="button" className="primary" onClick={start} disabled={busy}>
          {busy ? "Переход…" : `Привязать ${link.data.provider_name}`}
        </button>
      </>
    );
  }

  return (
    <section aria-labelledby="external-link-title" className="stack">
      <h1 id="external-link-title">Вход через Госуслуги</h1>
      {body}
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </section>
  );
}
