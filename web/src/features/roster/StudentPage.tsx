import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { journal, unwrap, type JournalSchemas } from "../../lib/api";
import { isNotFound, problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { useStudentCard, useStudentHistory } from "./api";
import { shortDateYear } from "./RosterPage";

type Guardian = JournalSchemas["schemas"]["LinkedGuardian"];
const KINDS: Record<Guardian["kind"], string> = { mother: "мать", father: "отец", guardian: "опекун" };

const FIELD_NAMES: Record<string, string> = {
  last_name: "фамилия",
  first_name: "имя",
  middle_name: "отчество",
  birth_date: "дата рождения",
  phone: "телефон",
  email: "email",
  address: "адрес",
  class_id: "класс",
  starts_on: "в классе с",
  ends_on: "в классе по",
  linked: "связь с учеником",
  kind: "кем приходится",
};
const VALUE_NAMES: Record<string, string> = {
  yes: "есть",
  no: "нет",
  mother: "мать",
  father: "отец",
  guardian: "опекун",
};

function changeText(item: { field: string; old_value?: string | null; new_value?: string | null }): string {
  const field = FIELD_NAMES[item.field] ?? item.field;
  // a class is named by the enrollments above; its id says nothing to a person
  if (item.field === "class_id") return `${field}: изменён`;
  const say = (value: string | null | undefined) => (value ? (VALUE_NAMES[value] ?? value) : "—");
  return `${field}: «${say(item.old_value)}» → «${say(item.new_value)}»`;
}

function text(form: FormData, name: string): string | null {
  const value = String(form.get(name) ?? "").trim();
  return value === "" ? null : value;
}

function GuardianCard({ guardian, studentId }: { guardian: Guardian; studentId: string }) {
  const id = useId();
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const save = useMutation({
    mutationFn: async (form: FormData) =>
      unwrap(
        await journal.PATCH("/api/journal/guardians/{guardian_id}", {
          params: { path: { guardian_id: guardian.guardian_id } },
          body: { phone: text(form, "phone"), email: text(form, "email"), address: text(form, "address") },
        }),
      ),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["roster", "student", studentId] });
      setEditing(false);
    },
  });
  const name = [guardian.last_name, guardian.first_name, guardian.middle_name].filter(Boolean).join(" ");
  return (
    <li className="card">
      <strong>{name}</strong> <span className="muted">({KINDS[guardian.kind]})</span>
      {!editing && (
        <>
          <dl className="facts">
            <dt>Телефон</dt>
            <dd>{guardian.phone ?? "—"}</dd>
            <dt>Email</dt>
            <dd>{guardian.email ?? "—"}</dd>
            <dt>Адрес</dt>
            <dd>{guardian.address ?? "—"}</dd>
          </dl>
          <button type="button" onClick={() => setEditing(true)} aria-label={`Изменить контакты: ${name}`}>
            Изменить контакты
          </button>
        </>
      )}
      {editing && (
        <form
          className="stack"
          aria-labelledby={`${id}-t`}
          onSubmit={(event: FormEvent<HTMLFormElement>) => {
            event.preventDefault();
            save.mutate(new FormData(event.currentTarget));
          }}
        >
          <span id={`${id}-t`} className="sr-only">
            Контакты: {name}
          </span>
          <label className="field">
            <span>Телефон</span>
            <input name="phone" type="tel" defaultValue={guardian.phone ?? ""} />
          </label>
          <label className="field">
            <span>Email</span>
            <input name="email" type="email" defaultValue={guardian.email ?? ""} />
          </label>
          <label className="field">
            <span>Адрес</span>
            <input name="address" defaultValue={guardian.address ?? ""} />
          </label>
          <div className="toolbar">
            <button type="submit" disabled={save.isPending}>
              Сохранить
            </button>
            <button type="button" className="link" onClick={() => setEditing(false)}>
              Отмена
            </button>
          </div>
          {save.isError && (
            <p className="error" role="alert">
              {problemMessage(save.error)}
            </p>
          )}
        </form>
      )}
    </li>
  );
}

/** A student's record: names and birth date (editable), classes, guardians, history. */
export function StudentPage() {
  const { studentId = "" } = useParams();
  const queries = useQueryClient();
  const card = useStudentCard(studentId);
  const history = useStudentHistory(studentId);
  const [editing, setEditing] = useState(false);
  const save = useMutation({
    mutationFn: async (form: FormData) =>
      unwrap(
        await journal.PATCH("/api/journal/students/{student_id}", {
          params: { path: { student_id: studentId } },
          body: {
            last_name: text(form, "last_name"),
            first_name: text(form, "first_name"),
            middle_name: text(form, "middle_name"),
            birth_date: text(form, "birth_date"),
          },
        }),
      ),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["roster"] });
      setEditing(false);
    },
  });

  if (card.isPending) return <p>Загрузка…</p>;
  if (card.isError)
    return (
      <p className="error" role="alert">
        {isNotFound(card.error) ? "Ученик не найден или его карточка вам недоступна." : problemMessage(card.error)}
      </p>
    );
  const s = card.data;
  const name = [s.last_name, s.first_name, s.middle_name].filter(Boolean).join(" ");
  return (
    <section aria-labelledby="student-title">
      {s.class_id && <Link to={`/class/${s.class_id}`}>← Список класса</Link>}
      <h1 id="student-title">{name}</h1>
      {!editing ? (
        <>
          <dl className="facts">
            <dt>Дата рождения</dt>
            <dd>{shortDateYear(s.birth_date)}</dd>
            <dt>Класс</dt>
            <dd>
              {s.enrollments
                .map((e) => `${e.class_name} с ${shortDateYear(e.starts_on)}${e.ends_on ? ` по ${shortDateYear(e.ends_on)}` : ""}`)
                .join("; ")}
            </dd>
          </dl>
          <button type="button" onClick={() => setEditing(true)}>
            Изменить данные ученика
          </button>
        </>
      ) : (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate(new FormData(event.currentTarget));
          }}
        >
          <label className="field">
            <span>Фамилия</span>
            <input name="last_name" required defaultValue={s.last_name} />
          </label>
          <label className="field">
            <span>Имя</span>
            <input name="first_name" required defaultValue={s.first_name} />
          </label>
          <label className="field">
            <span>Отчество</span>
            <input name="middle_name" defaultValue={s.middle_name ?? ""} />
          </label>
          <label className="field">
            <span>Дата рождения</span>
            <input name="birth_date" type="date" required defaultValue={s.birth_date} />
          </label>
          <div className="toolbar">
            <button type="submit" disabled={save.isPending}>
              Сохранить
            </button>
            <button type="button" className="link" onClick={() => setEditing(false)}>
              Отмена
            </button>
          </div>
          {save.isError && (
            <p className="error" role="alert">
              {problemMessage(save.error)}
            </p>
          )}
        </form>
      )}
      <h2>Родители и законные представители</h2>
      {s.guardians.length === 0 && <p>Не указаны.</p>}
      <ul className="stack">
        {s.guardians.map((g) => (
          <GuardianCard key={g.guardian_id} guardian={g} studentId={studentId} />
        ))}
      </ul>
      <h2>История изменений</h2>
      {history.isPending && <p>Загрузка…</p>}
      {history.isError && (
        <p className="error" role="alert">
          {problemMessage(history.error)}
        </p>
      )}
      {history.data && history.data.items.length === 0 && <p>Изменений не было.</p>}
      {history.data && history.data.items.length > 0 && (
        <ul className="stack">
          {history.data.items.map((item, index) => (
            <li key={index}>
              <span className="muted">{schoolDateTime(item.changed_at)}: </span>
              {changeText(item)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
