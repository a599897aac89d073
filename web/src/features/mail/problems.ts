// Mail's refusals in Russian, by the server's problem slug.
import { ApiProblem } from "../../lib/api";
import { problemMessage } from "../../lib/problems";

const MAIL_PROBLEMS: Record<string, string> = {
  "recipient-not-allowed": "Этому адресату вы писать не можете. Выберите адресата из списка.",
  "group-not-allowed": "Этой группе вы писать не можете.",
  "unknown-group": "Такой группы нет или в ней никого нет.",
  "no-recipients": "Выберите хотя бы одного адресата.",
  "reply-all-not-allowed": "Ответить всем вы не можете: ответ уйдёт только отправителю.",
  "attachment-too-large": "Файл слишком большой для вложения.",
  "attachment-type-not-allowed": "Файлы этого типа прикладывать нельзя.",
  "too-many-attachments": "Слишком много вложений.",
  "empty-attachment": "Файл пустой.",
  "message-too-large": "Сообщение с вложениями слишком велико.",
  "validation-error": "Проверьте тему, текст и адресатов: они не должны быть пустыми.",
};

/** Which field a refusal belongs beside. */
export function problemField(error: unknown): "to" | "files" | "text" | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  if (/recipient|group/.test(error.slug)) return "to";
  if (/attachment|message-too-large|media-type/.test(error.slug) || error.status === 413) return "files";
  if (error.status === 422) return "text";
  return undefined;
}

export function mailProblem(error: unknown): string {
  if (error instanceof ApiProblem) {
    const known = MAIL_PROBLEMS[error.slug];
    if (known) return known;
    if (error.status === 413) return MAIL_PROBLEMS["message-too-large"]!;
  }
  return problemMessage(error);
}
