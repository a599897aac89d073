import { useId, useState, type FormEvent } from "react";
import { journal, unwrap } from "../../../lib/api";
import { longDate } from "../../../lib/dates";
import type { Change, JournalPage, PageLesson, QueuedChange } from "../model/types";

type Props = {
  page: JournalPage;
  lesson: PageLesson;
  queued: QueuedChange[];
  online: boolean;
  onChange: (change: Change) => void;
  onUploaded: () => void;
  onClose: () => void;
};

/** The lesson's topic (from the thematic plan, or typed) and its homework with files. */
export function LessonPanel({ page, lesson, queued, online, onChange, onUploaded, onClose }: Props) {
  const pending = queued.find((q) => q.change.op === "edit_lesson" && q.change.lesson_id === lesson.lesson_id && q.status === "pending");
  const edit = pending?.change.op === "edit_lesson" ? pending.change : null;
  const [planItem, setPlanItem] = useState(edit?.plan_item_id ?? lesson.plan_item_id ?? "");
  const [topic, setTopic] = useState(edit?.topic ?? lesson.topic ?? "");
  const [homework, setHomework] = useState(edit?.homework?.text ?? lesson.homework?.text ?? "");
  const [dueOn, setDueOn] = useState(edit?.homework?.due_on ?? lesson.homework?.due_on ?? "");
  const [upload, setUpload] = useState<string | null>(null);
  const id = useId();

  function pickPlanItem(value: string) {
    setPlanItem(value);
    const item = page.plan_items.find((p) => p.plan_item_id === value);
    if (item) setTopic(item.topic);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const change: Change = { op: "edit_lesson", lesson_id: lesson.lesson_id, version: lesson.version };
    if ((planItem || null) !== lesson.plan_item_id) change.plan_item_id = planItem || null;
    if ((topic.trim() || null) !== lesson.topic) change.topic = topic.trim() || null;
    const text = homework.trim();
    if (text && (text !== lesson.homework?.text || (dueOn || null) !== (lesson.homework?.due_on ?? null))) {
      change.homework = { text, ...(dueOn ? { due_on: dueOn } : {}) };
    }
    if (!("plan_item_id" in change) && !("topic" in change) && !("homework" in change)) return onClose();
    onChange(change);
    onClose();
  }

  async function attach(file: File) {
    setUpload("Загрузка…");
    const form = new FormData();
    form.append("file", file);
    try {
      unwrap(
        await journal.POST("/api/journal/lessons/{lesson_id}/homework/attachments", {
          params: { path: { lesson_id: lesson.lesson_id } },
          body: form as never,
          bodySerializer: (body: unknown) => body as FormData,
        }),
      );
      setUpload(`Файл «${file.name}» прикреплён.`);
      onUploaded();
    } catch (error) {
      setUpload(`Не удалось прикрепить файл: ${error instanceof Error ? error.message : ""}`);
    }
  }

  return (
    <section className="card lesson-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        Урок {longDate(lesson.date)}
        {lesson.lesson_number ? `, ${lesson.lesson_number}-й` : ""}
      </h2>
      {lesson.locked && <p className="muted">Урок закрыт для изменений.</p>}
      <form onSubmit={submit} className="stack">
        <label>
          Тема из тематического плана
          <select value={planItem} onChange={(e) => pickPlanItem(e.target.value)} disabled={lesson.locked}>
            <option value="">— не выбрана —</option>
            {page.plan_items.map((item) => (
              <option key={item.plan_item_id} value={item.plan_item_id}>
                {item.position}. {item.topic}
              </option>
            ))}
          </select>
        </label>
        <label>
          Тема урока
          <input value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={500} disabled={lesson.locked} />
        </label>
        <label>
          Домашнее задание
          <textarea value={homework} onChange={(e) => setHomework(e.target.value)} rows={3} maxLength={4000} disabled={lesson.locked} />
        </label>
        <label>
          Срок сдачи
          <input type="date" value={dueOn} min={lesson.date} onChange={(e) => setDueOn(e.target.value)} disabled={lesson.locked} />
        </label>
        <div className="row">
          <button type="submit" className="primary" disabled={lesson.locked}>
            Записать в журнал
          </button>
          <button type="button" onClick={onClose}>
            Закрыть
          </button>
        </div>
      </form>
      <div className="stack">
        <p className="muted">
          Файлов к заданию: {lesson.homework?.attachments ?? 0}
          {!lesson.homework?.text && " (сначала сохраните текст задания)"}
        </p>
        <label>
          Прикрепить файл к заданию
          <input
            type="file"
            disabled={!online || lesson.locked || !lesson.homework?.text}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void attach(file);
              e.target.value = "";
            }}
          />
        </label>
        {!online && <p className="muted">Файлы прикрепляются только при подключении к сети.</p>}
        {upload && <p role="status">{upload}</p>}
      </div>
    </section>
  );
}
