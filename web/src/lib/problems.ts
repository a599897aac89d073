// Russian messages for the services' problem+json slugs (the stable `type` suffix). A
// screen shows `problemMessage(error)`: the known slug's text, else a general one; the
// server's `detail` is English and for developers, so it is never shown as it is.
import { ApiProblem } from "./api";
import { ServerAway, SessionEnded } from "./session";

export const PROBLEM_MESSAGES: Record<string, string> = {
  "not-found": "Не найдено: такой записи нет или она вам недоступна.",
  forbidden: "Это действие вам недоступно.",
  "stale-version":
    "Запись уже изменил кто-то другой. Обновите страницу, проверьте данные и повторите.",
  "version-required": "Обновите страницу и повторите: не передана версия записи.",
  "period-closed": "Период закрыт: изменения в нём не принимаются.",
  "year-closed": "Учебный год закрыт: изменения не принимаются.",
  "periods-open": "Сначала закройте все периоды года.",
  "journal-locked": "Срок исправлений истёк: изменить может только заместитель директора.",
  "invalid-rows": "В файле есть ошибки, ничего не загружено. Исправьте строки ниже.",
  "unreadable-file":
    "Файл не удалось прочитать. Нужен CSV или XLSX, первая строка — названия столбцов.",
  "empty-file": "Файл пустой.",
  "file-too-large": "Файл слишком большой (не больше 2 МБ).",
  "unsupported-media-type": "Этот тип файла не поддерживается.",
  "validation-error": "Проверьте введённые данные.",
  "last-active-work-type": "Нельзя отключить последний действующий вид работ.",
  "inactive-work-type": "Этот вид работ отключён.",
  "unknown-work-type": "Такого вида работ нет.",
  "nothing-changed": "Изменений нет.",
  "invalid-guardian": "Проверьте данные родителя.",
  "invalid-student": "Проверьте данные ученика.",
  "invalid-date-range": "Неверный диапазон дат.",
  conflict: "Запись уже существует.",
};

const SESSION_ENDED = "Сеанс завершён. Войдите снова.";
const BY_STATUS: Record<number, string> = {
  401: SESSION_ENDED,
  403: "Это действие вам недоступно.",
  404: "Не найдено: такой записи нет или она вам недоступна.",
  409: "Конфликт: данные уже изменились. Обновите страницу.",
  413: "Файл слишком большой (не больше 2 МБ).",
  422: "Проверьте введённые данные.",
};

/** What to tell the user about a failed request, in Russian. */
export function problemMessage(error: unknown): string {
  if (error instanceof ApiProblem) {
    return (
      PROBLEM_MESSAGES[error.slug] ?? BY_STATUS[error.status] ?? "Не удалось выполнить запрос."
    );
  }
  if (error instanceof SessionEnded) return SESSION_ENDED;
  if (error instanceof ServerAway) return "Сервер журнала сейчас недоступен. Попробуйте позже.";
  return "Не удалось выполнить запрос. Проверьте подключение.";
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiProblem && error.status === 404;
}
