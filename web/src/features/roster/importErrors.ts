// The class list import's bad rows, as the API names them (`errors: [{line, reason}]` of
// the 422 `invalid-rows` problem), with the reasons said in Russian.
import { ApiProblem } from "../../lib/api";

export type BadRow = { line: number; reason: string };

const REASONS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^missing (.+)$/, (m) => `не заполнено: ${m[1]}`],
  [/^дата рождения is not a real date$/, () => "дата рождения — такой даты нет"],
  [/^дата рождения must be ДД\.ММ\.ГГГГ$/, () => "дата рождения должна быть в виде ДД.ММ.ГГГГ"],
  [/^дата рождения must be a real date in the past$/, () => "дата рождения должна быть в прошлом"],
  [/^(.+) holds a control character$/, (m) => `${m[1]}: недопустимый символ`],
  [/^(.+) is longer than (\d+) characters$/, (m) => `${m[1]}: длиннее ${m[2]} символов`],
  [/^родитель: ФИО needs at least a surname and a name$/, () => "родитель: нужны хотя бы фамилия и имя"],
  [/^кем приходится must be мать, отец or опекун$/, () => "кем приходится: мать, отец или опекун"],
  [/^телефон is not a phone number$/, () => "телефон: это не номер телефона"],
  [/^email is not an e-mail address$/, () => "email: это не адрес электронной почты"],
];

export function reasonText(reason: string): string {
  for (const [pattern, say] of REASONS) {
    const match = reason.match(pattern);
    if (match) return say(match);
  }
  return reason;
}

/** The bad rows of a refused import, by line; empty when the refusal is not about rows. */
export function badRows(error: unknown): BadRow[] {
  if (!(error instanceof ApiProblem) || error.slug !== "invalid-rows") return [];
  const errors = error.problem.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter(
      (e): e is BadRow =>
        typeof e === "object" && e !== null && typeof e.line === "number" && typeof e.reason === "string",
    )
    .map((e) => ({ line: e.line, reason: reasonText(e.reason) }))
    .sort((a, b) => a.line - b.line);
}
