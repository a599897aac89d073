import { memo, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { shortDate } from "../../../lib/dates";
import { keyAction, moved, type GridAction } from "../model/keys";
import { applicable, studentName } from "../model/roster";
import { GRID_REASON, type Change, type JournalPage, type PageLesson, type PageStudent } from "../model/types";
import { cellKey, formatAverage, weightedAverage, type CellView } from "../model/view";
import type { FinalsRow } from "../api/finals";
import { FinalCell } from "./FinalCell";

type Props = {
  page: JournalPage;
  views: Map<string, CellView>;
  workType: string;
  startLessonId?: string | null;
  finals: Map<string, FinalsRow> | null;
  finalsEditable: boolean;
  onChange: (change: Change) => void;
  onDrop: (queuedId: string) => void;
  onOpenLesson: (lessonId: string) => void;
  onSave: () => void;
  onSetFinal: (row: FinalsRow, value: string) => void;
};

const EMPTY: CellView = { marks: [], attendance: null, attendanceVersion: 0, attendanceUnsaved: false, troubles: [] };

function describe(view: CellView, picked: number | null): string {
  const marks = view.marks.map(
    (m, index) =>
      `${m.value}${m.unsaved ? " (не сохранено)" : ""}${index === picked ? " (выбрана)" : ""}`,
  );
  const parts = [...marks];
  if (view.attendance) parts.push(view.attendanceUnsaved ? `${view.attendance} (не сохранено)` : view.attendance);
  if (view.troubles.length) parts.push("требует внимания");
  return parts.length ? parts.join(", ") : "пусто";
}

function workTypeName(page: JournalPage, code: string): string {
  return page.work_types.find((w) => w.code === code)?.name ?? code;
}

/** The teacher's own value of a change the server did not take, shown beside its value. */
function mine(change: Change): string {
  switch (change.op) {
    case "add_mark":
      return String(change.value);
    case "change_mark":
      return String(change.value ?? "?");
    case "set_attendance":
      return change.code;
    default:
      return "×";
  }
}

const Cell = memo(function Cell(props: {
  view: CellView;
  label: string;
  focused: boolean;
  /** The mark picked for a change in place (by its index in the cell), if any. */
  picked: number | null;
  disabled: boolean;
  row: number;
  column: number;
}) {
  const { view, focused, disabled, picked } = props;
  const trouble = view.troubles.length > 0;
  return (
    <td
      role="gridcell"
      tabIndex={focused ? 0 : -1}
      aria-label={`${props.label}: ${disabled ? "не в классе" : describe(view, picked)}`}
      aria-disabled={disabled || undefined}
      data-row={props.row}
      data-column={props.column}
      className={`cell${disabled ? " off" : ""}${trouble ? " trouble" : ""}`}
    >
      {view.marks.map((m, index) => (
        <span
          key={m.key}
          className={`mark${m.unsaved ? " unsaved" : ""}${index === picked ? " picked" : ""}`}
          title={m.workType}
        >
          {m.value}
        </span>
      ))}
      {view.attendance && <span className={`att${view.attendanceUnsaved ? " unsaved" : ""}`}>{view.attendance}</span>}
      {view.troubles.map((q) => (
        <span key={q.id} className="mine" title="Ваше изменение, не сохранено">
          {mine(q.change)}
        </span>
      ))}
    </td>
  );
});

type RowProps = {
  student: PageStudent;
  row: number;
  lessons: PageLesson[];
  views: Map<string, CellView>;
  workTypes: JournalPage["work_types"];
  focusedColumn: number;
  picked: number | null;
  final: FinalsRow | null;
  finalsEditable: boolean;
  onSetFinal: (row: FinalsRow, value: string) => void;
};

/** A student's row; redrawn only when one of its cells, its focus or its final changed. */
const Row = memo(
  function Row(props: RowProps) {
    const { student, row, lessons, views } = props;
    const name = studentName(student);
    const rowMarks = lessons.flatMap((l) => views.get(cellKey(l.lesson_id, student.student_id))?.marks ?? []);
    const average = weightedAverage(rowMarks, props.workTypes);
    return (
      <tr>
        <th scope="row" className="name">
          {name}
        </th>
        {lessons.map((lesson, column) => (
          <Cell
            key={lesson.lesson_id}
            view={views.get(cellKey(lesson.lesson_id, student.student_id)) ?? EMPTY}
            label={`${name}, ${shortDate(lesson.date)}`}
            focused={props.focusedColumn === column}
            picked={props.focusedColumn === column ? props.picked : null}
            disabled={!applicable(student, lesson)}
            row={row}
            column={column}
          />
        ))}
        <td className="avg" aria-label={`Средний балл: ${name}`}>
          {formatAverage(average)}
        </td>
        <td className="final">
          <FinalCell row={props.final} name={name} editable={props.finalsEditable} onSet={props.onSetFinal} />
        </td>
      </tr>
    );
  },
  (before, after) =>
    before.student === after.student &&
    before.row === after.row &&
    before.lessons === after.lessons &&
    before.workTypes === after.workTypes &&
    before.focusedColumn === after.focusedColumn &&
    before.picked === after.picked &&
    before.final === after.final &&
    before.finalsEditable === after.finalsEditable &&
    before.lessons.every(
      (lesson) =>
        before.views.get(cellKey(lesson.lesson_id, before.student.student_id)) ===
        after.views.get(cellKey(lesson.lesson_id, after.student.student_id)),
    ),
);

export function Grid(props: Props) {
  const { page, views } = props;
  const students = page.students;
  const lessons = page.lessons;
  const startColumn = Math.max(
    0,
    props.startLessonId ? lessons.findIndex((l) => l.lesson_id === props.startLessonId) : lessons.length - 1,
  );
  const [at, setAt] = useState({ row: 0, column: startColumn });
  // The mark picked in the focused cell for a change in place; any move drops it.
  const [picked, setPicked] = useState<number | null>(null);
  const [said, setSaid] = useState("");
  function goTo(next: { row: number; column: number }) {
    if (next.row === at.row && next.column === at.column) return;
    setAt(next);
    setPicked(null);
  }
  const table = useRef<HTMLTableElement>(null);

  useEffect(() => {
    const cell = table.current?.querySelector<HTMLElement>(`td[data-row="${at.row}"][data-column="${at.column}"]`);
    if (cell && table.current?.contains(document.activeElement) && document.activeElement !== cell) cell.focus();
    cell?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [at]);

  function perform(action: GridAction, student: PageStudent, lesson: PageLesson, picked: number | null) {
    if (action.kind === "save") return props.onSave();
    if (action.kind === "move" || action.kind === "edge") {
      goTo(moved(at, action, { rows: students.length, columns: lessons.length }));
      return;
    }
    if (action.kind === "unpick") return setPicked(null);
    if (!applicable(student, lesson)) return setSaid("Ученик не был в классе в этот день.");
    if (lesson.locked) return setSaid("Урок закрыт для изменений.");
    const view = views.get(cellKey(lesson.lesson_id, student.student_id)) ?? EMPTY;
    const who = `${studentName(student)}, ${shortDate(lesson.date)}`;
    const chosen = picked === null ? undefined : view.marks[picked];
    if (action.kind === "pick") {
      const next = picked === null ? 0 : picked + 1;
      const mark = view.marks[next];
      setPicked(mark ? next : null);
      setSaid(
        mark
          ? `${who}: выбрана отметка ${mark.value} (${workTypeName(page, mark.workType)}); цифра заменит её, Delete удалит`
          : `${who}: новая отметка`,
      );
      return;
    }
    if (action.kind === "mark" && chosen) {
      if (chosen.value === action.value) return;
      if (chosen.queued?.change.op === "add_mark") {
        // an added mark not yet saved: the teacher's mind changed before the save
        props.onDrop(chosen.queued.id);
        props.onChange({ ...chosen.queued.change, value: action.value });
        setPicked(view.marks.length - 1); // it comes back as the cell's last mark
      } else if (chosen.markId) {
        props.onChange({
          op: "change_mark",
          mark_id: chosen.markId,
          value: action.value,
          reason: GRID_REASON,
          version: chosen.version ?? 1,
        });
      }
      setSaid(`${who}: отметка ${chosen.value} исправлена на ${action.value} (не сохранено)`);
    } else if (action.kind === "mark") {
      props.onChange({ op: "add_mark", lesson_id: lesson.lesson_id, student_id: student.student_id, value: action.value, work_type: props.workType });
      setSaid(`${who}: отметка ${action.value} (не сохранено)`);
    } else if (action.kind === "attendance") {
      if (view.attendance === action.code) return;
      const cell = page.cells.find((c) => c.lesson_id === lesson.lesson_id && c.student_id === student.student_id);
      const held = cell?.attendance ?? null;
      props.onChange({
        op: "set_attendance",
        lesson_id: lesson.lesson_id,
        student_id: student.student_id,
        code: action.code,
        version: held?.version ?? 0,
        ...(held?.code ? { reason: GRID_REASON } : {}),
      });
      setSaid(`${who}: ${action.code} (не сохранено)`);
    } else if (action.kind === "remove") {
      const last = chosen ?? view.marks[view.marks.length - 1];
      setPicked(null);
      if (last?.unsaved && last.queued?.change.op === "add_mark") {
        props.onDrop(last.queued.id);
      } else if (last?.markId) {
        props.onChange({ op: "remove_mark", mark_id: last.markId, reason: GRID_REASON, version: last.version ?? 1 });
      } else if (view.attendance) {
        const cell = page.cells.find((c) => c.lesson_id === lesson.lesson_id && c.student_id === student.student_id);
        props.onChange({
          op: "clear_attendance",
          lesson_id: lesson.lesson_id,
          student_id: student.student_id,
          reason: GRID_REASON,
          version: cell?.attendance?.version ?? 0,
        });
      } else return;
      setSaid(`${who}: удалено (не сохранено)`);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTableElement>) {
    const target = (event.target as HTMLElement).closest<HTMLElement>("td[data-row]");
    if (!target) return;
    const action = keyAction(event);
    if (!action) return;
    event.preventDefault();
    const row = Number(target.dataset.row);
    const column = Number(target.dataset.column);
    const here = row === at.row && column === at.column;
    goTo({ row, column });
    perform(action, students[row]!, lessons[column]!, here ? picked : null);
  }

  function onFocus(event: React.FocusEvent<HTMLTableElement>) {
    const target = (event.target as HTMLElement).closest<HTMLElement>("td[data-row]");
    if (!target) return;
    const row = Number(target.dataset.row);
    const column = Number(target.dataset.column);
    goTo({ row, column });
  }

  const title = `${page.assignment.subject_name}, ${page.assignment.class_name}`;
  return (
    <div className="grid-wrap">
      <table
        ref={table}
        role="grid"
        aria-label={`Журнал: ${title}`}
        aria-describedby="grid-help"
        className="grid"
        onKeyDown={onKeyDown}
        onFocus={onFocus}
      >
        <thead>
          <tr>
            <th scope="col" className="name">
              Ученик
            </th>
            {lessons.map((lesson) => (
              <th key={lesson.lesson_id} scope="col" className="lesson-head">
                <button
                  type="button"
                  className="lesson-button"
                  onClick={() => props.onOpenLesson(lesson.lesson_id)}
                  aria-label={`Урок ${shortDate(lesson.date)}${lesson.lesson_number ? `, ${lesson.lesson_number}-й` : ""}: тема и домашнее задание`}
                  title={lesson.topic ?? "Тема не указана"}
                >
                  {shortDate(lesson.date)}
                  {lesson.homework?.text ? <span aria-hidden="true"> ✎</span> : null}
                </button>
              </th>
            ))}
            <th scope="col" className="avg">
              Средний
            </th>
            <th scope="col" className="final">
              Итог
            </th>
          </tr>
        </thead>
        <tbody>
          {students.map((student, row) => (
            <Row
              key={student.student_id}
              student={student}
              row={row}
              lessons={lessons}
              views={views}
              workTypes={page.work_types}
              focusedColumn={at.row === row ? at.column : -1}
              picked={at.row === row ? picked : null}
              final={props.finals?.get(student.student_id) ?? null}
              finalsEditable={props.finalsEditable}
              onSetFinal={props.onSetFinal}
            />
          ))}
        </tbody>
      </table>
      <p className="sr-only" aria-live="polite">
        {said}
      </p>
    </div>
  );
}
