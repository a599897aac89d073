import { describe, expect, it } from "vitest";
import { matching, pick, recipientOptions, unpick } from "./recipients";

const people = [
  { id: "t1", name: "Иванова Анна Петровна", roles: ["class_teacher"], subjects: ["Математика"], leads: ["5А"] },
  { id: "t2", name: "Петров Олег", roles: ["teacher"], subjects: [], leads: [] },
];
const groups = [
  { kind: "class" as const, audience: "parents" as const, class_id: "c5a", name: "Родители 5А" },
  { kind: "parallel" as const, audience: "students" as const, grade: 5, name: "Ученики 5-х классов" },
  { kind: "staff" as const, name: "Все сотрудники" },
  { kind: "class" as const, name: "без аудитории" },
];

describe("recipient picking", () => {
  const options = recipientOptions(people, groups);

  it("offers people with what they teach and lead, then the groups one may address", () => {
    expect(options.map((o) => o.label)).toEqual([
      "Иванова Анна Петровна (кл. руководитель 5А, Математика)",
      "Петров Олег",
      "Родители 5А",
      "Ученики 5-х классов",
      "Все сотрудники",
    ]);
    expect(options[2]!.recipient).toEqual({ kind: "class", audience: "parents", class_id: "c5a" });
    expect(options[3]!.recipient).toEqual({ kind: "parallel", audience: "students", grade: 5 });
  });

  it("keeps each recipient once and lets one be taken off", () => {
    const once = pick(pick([], options[0]!), options[0]!);
    expect(once).toHaveLength(1);
    expect(unpick(pick(once, options[2]!), options[0]!.key).map((o) => o.key)).toEqual(["class:parents:c5a"]);
  });

  it("finds by every typed word, case aside, leaving out those picked", () => {
    expect(matching(options, [], "иванова матем").map((o) => o.recipient)).toEqual([{ kind: "person", id: "t1" }]);
    expect(matching(options, [options[2]!], "5").map((o) => o.label)).toEqual([
      "Иванова Анна Петровна (кл. руководитель 5А, Математика)",
      "Ученики 5-х классов",
    ]);
  });
});
