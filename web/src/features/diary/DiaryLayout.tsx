import { Navigate, NavLink, Outlet, useNavigate, useOutletContext, useParams } from "react-router";
import type { Me } from "../auth/useMe";
import { useDiaryYears } from "./api";

export type DiaryContext = { studentId: string; me: Me | undefined };

/** The students whose diary the signed-in user reads: a parent's children, a student's own. */
export function diaryStudents(me: Me | undefined): string[] {
  if (!me) return [];
  if (me.kind === "parent") return me.children;
  if (me.kind === "student" && me.person_id) return [me.person_id];
  return [];
}

/** /diary: the first child's (or the student's own) diary. */
export function DiaryHome() {
  const me = useOutletContext<Me | undefined>();
  const [first] = diaryStudents(me);
  if (!me) return <p>Загрузка…</p>;
  if (!first) return <p>Дневников, доступных вам, нет.</p>;
  return <Navigate to={`/diary/${first}`} replace />;
}

/** "Смирнов Иван, 5А класс": the child's name from the roster, while it loads "Ребёнок 1". */
export function childLabel(
  index: number,
  years: { last_name: string; first_name: string; years: { class_name: string }[] } | undefined,
): string {
  const name = years ? `${years.last_name} ${years.first_name}` : `Ребёнок ${index + 1}`;
  const className = years?.years[0]?.class_name;
  return className ? `${name}, ${className} класс` : name;
}

function ChildOption({ studentId, index }: { studentId: string; index: number }) {
  const years = useDiaryYears(studentId);
  return <option value={studentId}>{childLabel(index, years.data)}</option>;
}

/** The diary's frame: the child switcher (parents), the tabs, the not-found answer. */
export function DiaryLayout() {
  const me = useOutletContext<Me | undefined>();
  const { studentId = "" } = useParams();
  const navigate = useNavigate();
  const students = diaryStudents(me);
  const known = students.includes(studentId);
  const context: DiaryContext = { studentId, me };

  return (
    <section aria-labelledby="diary-title" className="diary">
      <div className="diary-head">
        <h1 id="diary-title">Дневник</h1>
        {me?.kind === "parent" && students.length > 0 && (
          <label className="field">
            <span>Ребёнок</span>
            <select
              value={known ? studentId : ""}
              onChange={(event) => navigate(`/diary/${event.target.value}`)}
            >
              {!known && <option value="">—</option>}
              {students.map((id, index) => (
                <ChildOption key={id} studentId={id} index={index} />
              ))}
            </select>
          </label>
        )}
      </div>
      <nav className="tabs" aria-label="Разделы дневника">
        <NavLink end to={`/diary/${studentId}`}>
          Неделя
        </NavLink>
        <NavLink to={`/diary/${studentId}/marks`}>Оценки</NavLink>
        <NavLink to={`/diary/${studentId}/homework`}>Домашние задания</NavLink>
      </nav>
      <Outlet context={context} />
    </section>
  );
}

export function useDiary(): DiaryContext {
  return useOutletContext<DiaryContext>();
}
