// The account screens' rules that are not drawing: an account's state, a sign-in's device
// named from its User-Agent, the class's people with their accounts, the consents' purposes.
import type { AccountOut, ClassPerson, ConsentOut } from "./api";

export type AccountState = "none" | "issued" | "activated" | "disabled";

export const STATE_NAMES: Record<AccountState, string> = {
  none: "Не выдан",
  issued: "Выдан, не активирован",
  activated: "Активирован",
  disabled: "Отключён",
};

export function accountState(account: AccountOut | undefined): AccountState {
  if (!account) return "none";
  if (!account.active) return "disabled";
  return account.activated ? "activated" : "issued";
}

export type ClassRow = ClassPerson & { account?: AccountOut; state: AccountState };

/** The class's people, each with the account standing for them (students first, by name;
 * then the parents, by name). */
export function classRows(people: ClassPerson[], accounts: AccountOut[]): ClassRow[] {
  const byPerson = new Map<string, AccountOut>();
  for (const account of accounts) {
    if (account.person_id) byPerson.set(account.person_id, account);
  }
  const name = (p: ClassPerson) => `${p.last_name} ${p.first_name} ${p.middle_name ?? ""}`;
  return people
    .map((person) => {
      const account = byPerson.get(person.personId);
      return { ...person, account, state: accountState(account) };
    })
    .sort(
      (a, b) =>
        (a.kind === b.kind ? 0 : a.kind === "student" ? -1 : 1) ||
        name(a).localeCompare(name(b), "ru"),
    );
}

/** Whether issuing for the whole class would give anyone a code (a person with no account,
 * or one issued and not yet activated: the server gives them a fresh code). */
export function anyoneToIssue(rows: ClassRow[]): boolean {
  return rows.some((row) => row.state === "none" || row.state === "issued");
}

const BROWSERS: [RegExp, string][] = [
  [/YaBrowser\//, "Яндекс Браузер"],
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|Chromium\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** "Chrome, Android" from a User-Agent; the raw text for anything else. */
export function deviceName(client: string | null | undefined): string {
  if (!client) return "Неизвестное устройство";
  const browser = BROWSERS.find(([pattern]) => pattern.test(client))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(client))?.[1];
  if (browser && system) return `${browser}, ${system}`;
  if (browser || system) return (browser ?? system) as string;
  return client.length > 60 ? `${client.slice(0, 57)}…` : client;
}

export const PURPOSES: Record<ConsentOut["purpose"], { title: string; text: string }> = {
  portal_marks: {
    title: "Оценки на портале",
    text: "Показывать оценки ребёнка на портале госуслуг и в мобильных приложениях.",
  },
  district_systems: {
    title: "Передача данных в системы района",
    text: "Передавать данные ребёнка в информационные системы управления образования.",
  },
  email_notifications: {
    title: "Уведомления по электронной почте",
    text: "Присылать уведомления об оценках и посещаемости на вашу почту.",
  },
};

/** The consents grouped by child, the purposes in one order. */
export function consentsByChild(consents: ConsentOut[]): [string, ConsentOut[]][] {
  const order = Object.keys(PURPOSES);
  const children = new Map<string, ConsentOut[]>();
  for (const consent of consents) {
    const list = children.get(consent.student_id) ?? [];
    list.push(consent);
    children.set(consent.student_id, list);
  }
  for (const list of children.values()) {
    list.sort((a, b) => order.indexOf(a.purpose) - order.indexOf(b.purpose));
  }
  return [...children.entries()];
}
