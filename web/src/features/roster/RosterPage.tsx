import { Link, Navigate, useParams } from "react-router";
import { shortDate } from "../../lib/dates";
import { isNotFound, problemMessage } from "../../lib/problems";
import { useClassList, useMyClasses } from "./api";
import { ImportPanel } from "./ImportPanel";

/** /class: the class the teacher leads (or a choice of them). */
export function MyClassPage() {
  const classes = useMyClasses();
  if (classes.isPending) return <p>Загрузка…</p>;
  if (classes.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(classes.error)}
      </p>
    );
  const [only, ...others] = classes.data;
  if (only && others.length === 0) return <Navigate to={`/class/${only.classId}`} replace />;
  return (
    <section>
      <h1>Мой класс</h1>
      {classes.data.length === 0 && <p>Вы не классный руководитель ни одного класса.</p>}
      <ul className="stack">
        {classes.data.map((c) => (
          <li key={c.classId}>
            <Link to={`/class/${c.classId}`}>
              {c.name} ({c.students} уч.)
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The class list with each student's card, and the import of a class list file. */
export function ClassPage() {
  const { classId = "" } = useParams();
  const list = useClassList(classId);
  return (
    <section aria-labelledby="class-title">
      <h1 id="class-title">Список класса</h1>
      {list.isPending && <p>Загрузка списка…</p>}
      {list.isError && (
        <p className="error" role="alert">
          {isNotFound(list.error) ? "Класс не найден или вам недоступен." : problemMessage(list.error)}
        </p>
      )}
      {list.data && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Ученики класса</caption>
            <thead>
              <tr>
                <th scope="col">№</th>
                <th scope="col">Ученик</th>
                <th scope="col">Дата рождения</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s, index) => (
                <tr key={s.student_id}>
                  <td>{index + 1}</td>
                  <td>
                    <Link to={`/students/${s.student_id}`}>
                      {[s.last_name, s.first_name, s.middle_name].filter(Boolean).join(" ")}
                    </Link>
                  </td>
                  <td>{s.birth_date ? shortDateYear(s.birth_date) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Всего: {list.data.items.length}</p>
        </div>
      )}
      <ImportPanel classId={classId} />
    </section>
  );
}

export function shortDateYear(date: string): string {
  return `${shortDate(date)}.${date.slice(0, 4)}`;
}
