// Russian messages for auth's refusals on the account screens; the rest as everywhere.
import { ApiProblem } from "../../lib/api";
import { problemMessage } from "../../lib/problems";

const TOO_MANY = "Слишком много попыток. Подождите немного и попробуйте снова.";
const MESSAGES: Record<string, string> = {
  "wrong-password": "Нынешний пароль введён неверно.",
  "nothing-to-issue": "У всех в классе уже есть действующий доступ: выдавать некому.",
  "names-missing": "Не у всех в классе есть имя в списке класса: проверьте список.",
  "login-taken": "Такой логин уже занят. Укажите другой или оставьте поле пустым.",
  "credentials-exist": "У этого человека уже есть учётная запись.",
  "account-disabled": "Учётная запись отключена: новый код ей не выдаётся.",
  "cannot-disable-self": "Свою учётную запись отключить нельзя.",
  "last-sysadmin": "Это последний системный администратор школы: роль снять нельзя.",
  "not-staff": "Роли сотрудников выдаются только сотрудникам.",
};

export function accountsMessage(error: unknown, forbidden?: string): string {
  if (error instanceof ApiProblem) {
    if (error.status === 403 && forbidden && error.slug !== "wrong-password") return forbidden;
    if (error.status === 429) return TOO_MANY;
    const known = MESSAGES[error.slug];
    if (known) return known;
  }
  return problemMessage(error);
}
