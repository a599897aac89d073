// Whom a message goes to: the options offered from `/contacts` (people and groups), the
// picked ones kept without repeats, and the request's `to` built from them.

export type Audience = "parents" | "students" | "teachers";

export type Recipient =
  | { kind: "person"; id: string }
  | { kind: "class"; audience: Audience; class_id: string }
  | { kind: "parallel"; audience: Audience; grade: number }
  | { kind: "staff" }
  | { kind: "help" };

export type ContactPerson = { id: string; name: string; roles: string[]; subjects: string[]; leads: string[] };
export type GroupOption = {
  kind: "class" | "parallel" | "staff";
  audience?: Audience | null;
  class_id?: string | null;
  grade?: number | null;
  name: string;
};

/** One choice in the recipient picker: a stable key, what is shown and what is sent. */
export type RecipientOption = { key: string; label: string; recipient: Recipient };

export function recipientKey(recipient: Recipient): string {
  switch (recipient.kind) {
    case "person":
      return `person:${recipient.id}`;
    case "class":
      return `class:${recipient.audience}:${recipient.class_id}`;
    case "parallel":
      return `parallel:${recipient.audience}:${recipient.grade}`;
    default:
      return recipient.kind;
  }
}

function why(person: ContactPerson): string {
  const parts = [...person.leads.map((name) => `кл. руководитель ${name}`), ...person.subjects];
  return parts.length ? `${person.name} (${parts.join(", ")})` : person.name;
}

function groupRecipient(group: GroupOption): Recipient | undefined {
  if (group.kind === "staff") return { kind: "staff" };
  if (!group.audience) return undefined;
  if (group.kind === "class" && group.class_id) {
    return { kind: "class", audience: group.audience, class_id: group.class_id };
  }
  if (group.kind === "parallel" && group.grade != null) {
    return { kind: "parallel", audience: group.audience, grade: group.grade };
  }
  return undefined;
}

/** The picker's options: people by name (with what they teach or lead), then groups. */
export function recipientOptions(people: ContactPerson[], groups: GroupOption[]): RecipientOption[] {
  const options: RecipientOption[] = people.map((person) => {
    const recipient: Recipient = { kind: "person", id: person.id };
    return { key: recipientKey(recipient), label: why(person), recipient };
  });
  for (const group of groups) {
    const recipient = groupRecipient(group);
    if (recipient) options.push({ key: recipientKey(recipient), label: group.name, recipient });
  }
  return options;
}

/** Adds an option to the picked ones unless it is there already. */
export function pick(picked: RecipientOption[], option: RecipientOption): RecipientOption[] {
  return picked.some((one) => one.key === option.key) ? picked : [...picked, option];
}

export function unpick(picked: RecipientOption[], key: string): RecipientOption[] {
  return picked.filter((one) => one.key !== key);
}

/** The options whose label has every word typed (case-insensitive), not yet picked. */
export function matching(options: RecipientOption[], picked: RecipientOption[], typed: string): RecipientOption[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const taken = new Set(picked.map((one) => one.key));
  return options.filter(
    (option) => !taken.has(option.key) && words.every((word) => option.label.toLowerCase().includes(word)),
  );
}
