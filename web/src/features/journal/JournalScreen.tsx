import { useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useOnline } from "../../lib/useOnline";
import { useFinals, useSetFinal, type FinalValue, type FinalsRow } from "./api/finals";
import { usePage } from "./api/usePage";
import { useQueue } from "./api/useQueue";
import { Grid } from "./components/Grid";
import { LessonPanel } from "./components/LessonPanel";
import { Troubles } from "./components/Troubles";
import type { Change, PageRef, QueuedChange } from "./model/types";
import { cellViews, unsavedLabel } from "./model/view";

function periodName(kind: string, number: number): string {
  return kind === "half" ? `${number} полугодие` : `${number} четверть`;
}

/** The class journal of one assignment in one period: students × lessons. */
export function JournalScreen() {
  const params = useParams();
  const [search] = useSearchParams();
  const ref = useMemo<PageRef>(
    () => ({ assignmentId: params.assignmentId ?? "", periodId: params.periodId ?? "" }),
    [params.assignmentId, params.periodId],
  );
  const online = useOnline();
  const page = usePage(ref);
  const queue = useQueue(ref);
  const finals = useFinals(ref);
  const setFinal = useSetFinal(ref);
  const [chosenWorkType, setWorkType] = useState<string | null>(null);
  const [lessonId, setLessonId] = useState<string | null>(null);

  const data = page.data?.page;
  const views = useMemo(() => (data ? cellViews(data, queue.queued) : new Map()), [data, queue.queued]);
  const finalsByStudent = useMemo(
    () => (finals.data ? new Map(finals.data.items.map((row) => [row.student_id, row])) : null),
    [finals.data],
  );

  if (page.isPending) return <p>Загрузка журнала…</p>;
  if (!data) {
    return (
      <section>
        <h1>Журнал недоступен</h1>
        <p className="error" role="alert">
          Не удалось открыть страницу журнала{online ? "." : ": нет сети, а сохранённой копии на этом устройстве нет."}
        </p>
        <Link to="/today">К урокам на сегодня</Link>
      </section>
    );
  }

  const workType = chosenWorkType ?? data.work_types[0]?.code ?? "answer";
  const pending = queue.queued.filter((q) => q.status === "pending");
  const troubles = queue.queued.filter((q) => q.status !== "pending");
  const lesson = data.lessons.find((l) => l.lesson_id === lessonId) ?? null;
  const add = (change: Change) => void queue.add(change, data);

  function keep(q: QueuedChange) {
    const current = q.current as { version?: number } | undefined;
    const version = current?.version ?? 0;
    void queue.retry(q.id, "version" in q.change ? ({ ...q.change, version } as Change) : q.change);
  }

  function onSetFinal(row: FinalsRow, value: string) {
    const parsed: FinalValue = /^[1-5]$/.test(value) ? Number(value) : (value as FinalValue);
    setFinal.mutate({ row, value: parsed });
  }

  let status: string;
  if (queue.syncing) status = "Сохранение…";
  else if (pending.length) status = unsavedLabel(pending.length) + (online ? "" : " — сохранятся, когда появится сеть");
  else if (troubles.length) status = "Есть изменения, требующие решения";
  else status = "Все изменения сохранены";

  return (
    <section className="journal" aria-labelledby="journal-title">
      <div className="journal-head">
        <h1 id="journal-title">
          {data.assignment.subject_name}, {data.assignment.class_name}
          <span className="muted"> · {periodName(data.period.kind, data.period.number)}</span>
        </h1>
        <div className="toolbar">
          <label>
            Вид работы{" "}
            <select value={workType} onChange={(e) => setWorkType(e.target.value)}>
              {data.work_types.map((w) => (
                <option key={w.code} value={w.code}>
                  {w.name} (вес {w.weight})
                </option>
              ))}
            </select>
          </label>
          <span className={`save-status${pending.length ? " unsaved" : troubles.length ? " troubled" : ""}`} role="status" data-testid="save-status">
            {status}
          </span>
          <button type="button" className="primary" onClick={() => void queue.sync()} disabled={!pending.length || queue.syncing}>
            Сохранить
          </button>
        </div>
        {page.data?.kept && <p className="muted">Показана копия журнала, сохранённая на этом устройстве.</p>}
        {data.period.closed && <p className="muted">Период закрыт: изменения не принимаются.</p>}
        {finals.isError && <p className="muted">Итоговые отметки сейчас недоступны.</p>}
        {setFinal.isError && (
          <p className="error" role="alert">
            Итоговая отметка не сохранена: {setFinal.error.message}
          </p>
        )}
      </div>
      <p id="grid-help" className="muted help">
        Стрелки — переход по ячейкам; 1–5 — отметка выбранного вида работы; Н, Б, П, О — посещаемость (Н, Б, П, ОП);
        Пробел — выбрать отметку в ячейке, чтобы исправить её цифрой или убрать; Delete — убрать выбранную или
        последнюю; Ctrl+S — сохранить. Нажмите на дату урока, чтобы указать тему и домашнее
        задание.
      </p>
      <Troubles page={data} troubles={troubles} onKeep={keep} onDiscard={(q) => void queue.drop(q.id)} />
      {lesson && (
        <LessonPanel
          key={lesson.lesson_id}
          page={data}
          lesson={lesson}
          queued={queue.queued}
          online={online}
          onChange={add}
          onUploaded={() => void page.refetch()}
          onClose={() => setLessonId(null)}
        />
      )}
      <Grid
        page={data}
        views={views}
        workType={workType}
        startLessonId={search.get("lesson")}
        finals={finalsByStudent}
        finalsEditable={online && !data.period.closed}
        onChange={add}
        onDrop={(id) => void queue.drop(id)}
        onOpenLesson={setLessonId}
        onSave={() => void queue.sync()}
        onSetFinal={onSetFinal}
      />
    </section>
  );
}
