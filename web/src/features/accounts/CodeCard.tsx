import { schoolDateTime } from "../../lib/when";
import type { ActivationOut } from "./api";

/** A code just issued, shown this once (the server keeps only its hash), with a print. */
export function CodeCard(props: {
  name: string;
  login: string;
  activation: ActivationOut;
  onClose: () => void;
}) {
  return (
    <div className="card code-card" role="region" aria-label={`Код активации: ${props.name}`}>
      <p>
        <strong>{props.name}</strong>
      </p>
      <dl className="facts">
        <dt>Логин</dt>
        <dd data-testid="issued-login">{props.login}</dd>
        <dt>Код активации</dt>
        <dd data-testid="issued-code" className="code">
          {props.activation.code}
        </dd>
        <dt>Действует до</dt>
        <dd>{schoolDateTime(props.activation.expires_at)}</dd>
      </dl>
      <p className="muted">
        Первый вход: {window.location.origin}/activate — логин, код и свой новый пароль. Код
        показан один раз: передайте его владельцу или напечатайте.
      </p>
      <div className="actions no-print">
        <button type="button" onClick={() => window.print()}>
          Напечатать
        </button>
        <button type="button" onClick={props.onClose}>
          Скрыть код
        </button>
      </div>
    </div>
  );
}
