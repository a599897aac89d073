// What the person reads when external sign-in or linking fails (by the server's problem).
import { ApiProblem } from "../../../lib/api";
import { ServerAway } from "../../../lib/session";

const BY_SLUG: Record<string, string> = {
  "oidc-not-linked":
    "К этой учётной записи Госуслуг не привязан ни один пользователь журнала. Войдите по " +
    "логину и паролю (или по коду первого входа), затем привяжите Госуслуги в разделе " +
    "«Госуслуги».",
  "account-disabled": "Ваша учётная запись в журнале отключена. Обратитесь к администратору школы.",
  "oidc-invalid-state":
    "Вход устарел или был начат в другом браузере. Начните вход ещё раз с этой страницы.",
  "oidc-code-rejected": "Госуслуги не подтвердили вход. Начните вход ещё раз.",
  "oidc-invalid-id-token": "Ответ Госуслуг не прошёл проверку. Начните вход ещё раз.",
  "oidc-denied": "Вход на Госуслугах не завершён.",
  "oidc-not-configured": "Вход через Госуслуги в этой школе не настроен.",
  "oidc-link-not-allowed":
    "Ученики входят по логину и паролю: привязать Госуслуги могут родители и сотрудники.",
  "oidc-already-linked": "Учётная запись Госуслуг уже привязана. Сначала отвяжите её.",
  "oidc-subject-linked":
    "Эта учётная запись Госуслуг уже привязана к другому пользователю журнала.",
  "oidc-provider-unavailable": "Госуслуги сейчас недоступны. Попробуйте позже.",
};

export function externalMessage(error: unknown): string {
  if (error instanceof ServerAway) {
    return "Сервер недоступен. Проверьте подключение к сети и попробуйте ещё раз.";
  }
  if (error instanceof ApiProblem) {
    return BY_SLUG[error.slug] ?? "Не удалось завершить вход. Попробуйте ещё раз.";
  }
  return "Не удалось завершить вход. Попробуйте ещё раз.";
}
