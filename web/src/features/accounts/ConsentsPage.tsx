import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { schoolDateTime } from "../../lib/when";
import { setConsent, useChildName, useConsents, type ConsentOut } from "./api";
import { accountsMessage } from "./messages";
import { consentsByChild, PURPOSES } from "./model";

/** A parent's consents (152-ФЗ), per child and purpose: given or revoked, and when. */
export function ConsentsPage() {
  const consents = useConsents();
  return (
    <section aria-labelledby="consents-title">
      <h1 id="consents-title">Согласия на обработку данных</h1>
      <p className="muted">
        По закону о персональных данных (152-ФЗ) вы решаете, как школа использует данные
        вашего ребёнка. Согласие можно дать и отозвать в любой момент; каждое изменение
        записывается.
      </p>
      {consents.isPending && <p>Загрузка…</p>}
      {consents.error != null && (
        <p className="error" role="alert">
          {accountsMessage(consents.error)}
        </p>
      )}
      {consents.data?.length === 0 && <p>К вашей учётной записи не привязан ни один ребёнок.</p>}
      {consents.data &&
        consentsByChild(consents.data).map(([studentId, list]) => (
          <Child key={studentId} studentId={studentId} consents={list} />
        ))}
    </section>
  );
}

function Child({ studentId, consents }: { studentId: string; consents: ConsentOut[] }) {
  const name = useChildName(studentId);
  const child = name.data ?? "Ребёнок";
  return (
    <section aria-label={`Согласия: ${child}`}>
      <h2>{child}</h2>
      <ul className="stack">
        {consents.map((consent) => (
          <Purpose key={consent.purpose} consent={consent} child={child} />
        ))}
      </ul>
    </section>
  );
}

function stateText(consent: ConsentOut): string {
  if (consent.given) return `Дано ${consent.changed_at ? schoolDateTime(consent.changed_at) : ""}`;
  if (consent.changed_at) return `Отозвано ${schoolDateTime(consent.changed_at)}`;
  return "Не дано";
}

function Purpose({ consent, child }: { consent: ConsentOut; child: string }) {
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const purpose = PURPOSES[consent.purpose];

  async function toggle() {
    setBusy(true);
    setFailure(null);
    try {
      await setConsent(consent.student_id, consent.purpose, !consent.given);
      await queries.invalidateQueries({ queryKey: ["accounts", "consents"] });
    } catch (error) {
      setFailure(accountsMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="card consent" data-purpose={consent.purpose} data-given={consent.given}>
      <strong>{purpose.title}</strong>
      <span className="muted">{purpose.text}</span>
      <span className={consent.given ? "ok" : undefined}>{stateText(consent)}</span>
      <button
        type="button"
        onClick={toggle}
        disabled={busy}
        className={consent.given ? undefined : "primary"}
        aria-label={`${consent.given ? "Отозвать согласие" : "Дать согласие"}: ${purpose.title}, ${child}`}
      >
        {consent.given ? "Отозвать согласие" : "Дать согласие"}
      </button>
      {failure && (
        <span className="error" role="alert">
          {failure}
        </span>
      )}
    </li>
  );
}
