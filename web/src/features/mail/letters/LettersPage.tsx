import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { problemMessage } from "../../../lib/problems";
import { schoolDateTime } from "../../../lib/when";
import {
  LETTERS,
  lastWeek,
  lettersProblem,
  schedule,
  sendNow,
  unschedule,
  useLedClasses,
  useSchedule,
  useSentLetters,
} from "./api";

const ruDate = (day: string) => day.split("-").reverse().join(".");

const WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"];

/** The class teacher's progress letters to the parents: now for a range, or weekly. */
export function LettersPage() {
  const classes = useLedClasses();
  const [classId, setClassId] = useState("");
  const chosen = classId || classes.data?.[0]?.class_id || "";
  const week = lastWeek(new Date());
  const [from, setFrom] = useState(week.from);
  const [to, setTo] = useState(week.to);
  const [comment, setComment] = useState("");
  const [weekday, setWeekday] = useState(5);
  const [hour, setHour] = useState(16);
  const weekly = useSchedule(chosen);
  const sent = useSentLetters(chosen);
  const queries = useQueryClient();
  const className = classes.data?.find((c) => c.class_id === chosen)?.name ?? "";
  const now = useMutation({
    mutationFn: () => sendNow(chosen, from, to, comment),
    onSuccess: () => void queries.invalidateQueries({ queryKey: [...LETTERS, "sent", chosen] }),
  });
  const plan = useMutation({
    mutationFn: async (on: boolean) => {
      if (on) await schedule(chosen, weekday, hour, comment);
      else await unschedule(chosen);
    },
    onSuccess: () => void queries.invalidateQueries({ queryKey: [...LETTERS, "schedule", chosen] }),
  });

  if (classes.isPending) return <p>Загрузка…</p>;
  if (classes.isError) return <p className="error" role="alert">{problemMessage(classes.error)}</p>;
  if (classes.data.length === 0) return <p>Письма об успеваемости отправляет классный руководитель.</p>;
  return (
    <section aria-labelledby="letters-title">
      <h1 id="letters-title">Письма родителям об успеваемости</h1>
      <label className="field">
        <span>Класс</span>
        <select value={chosen} onChange={(event) => setClassId(event.target.value)}>
          {classes.data.map((c) => (
            <option key={c.class_id} value={c.class_id}>{c.name}</option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Комментарий классного руководителя</span>
        <textarea rows={3} maxLength={2000} value={comment} onChange={(event) => setComment(event.target.value)} />
      </label>
      <form
        aria-label="Отправить сейчас"
        onSubmit={(event) => {
          event.preventDefault();
          now.mutate();
        }}
      >
        <h2>Отправить сейчас</h2>
        <label className="field">
          <span>С</span>
          <input type="date" value={from} required onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label className="field">
          <span>По</span>
          <input type="date" value={to} required onChange={(event) => setTo(event.target.value)} />
        </label>
        {now.isError && (
          <p className="error" role="alert">{lettersProblem(now.error) ?? problemMessage(now.error)}</p>
        )}
        <button type="submit" disabled={now.isPending}>Отправить письма</button>
      </form>
      <section aria-labelledby="weekly-title">
        <h2 id="weekly-title">Каждую неделю</h2>
        <p className="muted" data-testid="schedule">
          {weekly.data
            ? `Письма уходят: ${WEEKDAYS[weekly.data.weekday - 1]}, ${weekly.data.hour}:00, за прошедшие 7 дней` +
              (weekly.data.last_sent_on ? `; последний раз ${ruDate(weekly.data.last_sent_on)}` : "")
            : "Еженедельная отправка не настроена."}
        </p>
        <label className="field">
          <span>День недели</span>
          <select value={weekday} onChange={(event) => setWeekday(Number(event.target.value))}>
            {WEEKDAYS.map((name, index) => (
              <option key={name} value={index + 1}>{name}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Час</span>
          <select value={hour} onChange={(event) => setHour(Number(event.target.value))}>
            {Array.from({ length: 24 }, (_, h) => (
              <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
            ))}
          </select>
        </label>
        {plan.isError && <p className="error" role="alert">{problemMessage(plan.error)}</p>}
        <div className="toolbar">
          <button type="button" disabled={plan.isPending} onClick={() => plan.mutate(true)}>
            Отправлять еженедельно
          </button>
          {weekly.data && (
            <button type="button" disabled={plan.isPending} onClick={() => plan.mutate(false)}>
              Не отправлять
            </button>
          )}
        </div>
      </section>
      <section aria-labelledby="sent-title">
        <h2 id="sent-title">Отправленные письма{className ? `: ${className}` : ""}</h2>
        {now.isSuccess && (
          <p className="ok" role="status">
            Письма отправлены: {now.data.letters}, родителям: {now.data.deliveries}.
          </p>
        )}
        {sent.isPending && <p>Загрузка…</p>}
        {sent.isError && <p className="error" role="alert">{problemMessage(sent.error)}</p>}
        {sent.data && sent.data.items.length === 0 && (
          <p className="muted">Этому классу писем ещё не отправляли.</p>
        )}
        {sent.data && sent.data.items.length > 0 && (
          <ul className="card feed-list" aria-label="Отправленные письма">
            {sent.data.items.map((one) => (
              <li key={one.batch_id} data-testid="letters-sent">
                <strong>
                  {one.class_name ?? className}, {ruDate(one.from)} — {ruDate(one.to)}
                </strong>
                {one.scheduled && <> <span className="badge">еженедельно</span></>}
                <p className="muted">
                  {schoolDateTime(one.sent_at)} · писем {one.letters}, семей {one.families}, родителям{" "}
                  {one.deliveries}
                </p>
                {one.comment && <p>{one.comment}</p>}
              </li>
            ))}
          </ul>
        )}
        {sent.data && sent.data.total > sent.data.items.length && (
          <p className="muted">Показаны последние {sent.data.items.length} из {sent.data.total}.</p>
        )}
      </section>
    </section>
  );
}
