// A new password as the auth service's policy takes it (services/auth signin/policy.py):
// 8 to 256 characters, not the login, not one of the common passwords (that list is the
// server's: its refusal comes back as a 422 and is read here into Russian), typed twice.
import { ApiProblem } from "./api";

export const MIN_LENGTH = 8;
export const MAX_LENGTH = 256;

export type PasswordErrors = { password?: string; repeat?: string };

export const TOO_SHORT = `Слишком короткий пароль: нужно не меньше ${MIN_LENGTH} символов.`;
export const TOO_LONG = `Слишком длинный пароль: не больше ${MAX_LENGTH} символов.`;
export const TOO_COMMON =
  "Этот пароль слишком распространён, его легко угадать. Придумайте другой.";
export const SAME_AS_LOGIN = "Пароль не должен совпадать с логином.";
export const SAME_AS_CURRENT = "Новый пароль должен отличаться от нынешнего.";
export const NOT_REPEATED = "Пароли не совпадают.";

/** What is wrong with a new password and its repetition, before asking the server. */
export function checkNewPassword(password: string, repeat: string, login = ""): PasswordErrors {
  const errors: PasswordErrors = {};
  if (password.length < MIN_LENGTH) errors.password = TOO_SHORT;
  else if (password.length > MAX_LENGTH) errors.password = TOO_LONG;
  else if (login && password.trim().toLowerCase() === login.trim().toLowerCase())
    errors.password = SAME_AS_LOGIN;
  if (repeat !== password) errors.repeat = NOT_REPEATED;
  return errors;
}

type ValidationError = { loc?: unknown[]; type?: string; msg?: string };

/** The Russian reason the server refused a new password for, or null when it did not. */
export function refusedPassword(error: unknown, field = "new_password"): string | null {
  if (!(error instanceof ApiProblem) || error.status !== 422) return null;
  if (error.slug === "weak-password") {
    const reasons = (error.problem.reasons as string[] | undefined) ?? [];
    if (reasons.some((r) => r.includes("common"))) return TOO_COMMON;
    if (reasons.some((r) => r.includes("login"))) return SAME_AS_LOGIN;
    if (reasons.some((r) => r.includes("current"))) return SAME_AS_CURRENT;
    if (reasons.some((r) => r.includes("shorter"))) return TOO_SHORT;
    if (reasons.some((r) => r.includes("longer"))) return TOO_LONG;
    return TOO_COMMON;
  }
  const errors = (error.problem.errors as ValidationError[] | undefined) ?? [];
  const mine = errors.find((e) => Array.isArray(e.loc) && e.loc.includes(field));
  if (!mine) return null;
  if (mine.type === "string_too_short") return TOO_SHORT;
  if (mine.type === "string_too_long") return TOO_LONG;
  if ((mine.msg ?? "").includes("common")) return TOO_COMMON;
  return "Такой пароль не подходит. Придумайте другой.";
}
