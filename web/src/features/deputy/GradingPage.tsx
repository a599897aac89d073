import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { journal, unwrap, type JournalSchemas } from "../../lib/api";
import { problemMessage } from "../../lib/problems";

type WorkType = JournalSchemas["schemas"]["WorkTypeOut"];
type Settings = JournalSchemas["schemas"]["GradingSettingsOut"];
const RULES: Record<Settings["rounding_rule"], string> = {
  from_0_50: "с 0,50 вверх (3,50 → 4)",
  from_0_60: "с 0,60 вверх (3,60 → 4)",
  from_0_65: "с 0,65 вверх (3,65 → 4)",
};
const WORK_TYPES = ["deputy", "work-types"];

function WorkTypeRow({ type }: { type: WorkType }) {
  const queries = useQueryClient();
  const [weight, setWeight] = useState(String(type.weight));
  const change = useMutation({
    mutationFn: async (body: { weight?: number; active?: boolean }) =>
      unwrap(
        await journal.PATCH("/api/journal/work-types/{code}", {
          params: { path: { code: type.code } },
          body,
        }),
      ),
    onSettled: () => queries.invalidateQueries({ queryKey: WORK_TYPES }),
  });
  return (
    <tr className={type.active ? undefined : "inactive"}>
      <th scope="row">
        {type.name} <span className="muted">({type.code})</span>
      </th>
      <td>
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            change.mutate({ weight: Number(weight) });
          }}
        >
          <input
            type="number"
            min={1}
            max={10}
            value={weight}
            aria-label={`Вес: ${type.name}`}
            onChange={(event) => setWeight(event.target.value)}
          />
          <button type="submit" aria-label={`Сохранить вес: ${type.name}`} disabled={change.isPending}>
            ✓
          </button>
        </form>
      </td>
      <td>
        <button
          type="button"
          className="link"
          disabled={change.isPending}
          onClick={() => change.mutate({ active: !type.active })}
        >
          {type.active ? `Отключить «${type.name}»` : `Включить «${type.name}»`}
        </button>
        {change.isError && (
          <span className="error" role="alert">
            {" "}
            {problemMessage(change.error)}
          </span>
        )}
      </td>
    </tr>
  );
}

function AddWorkType() {
  const queries = useQueryClient();
  const add = useMutation({
    mutationFn: async (form: FormData) =>
      unwrap(
        await journal.POST("/api/journal/work-types", {
          body: {
            code: String(form.get("code") ?? "").trim(),
            name: String(form.get("name") ?? "").trim(),
            weight: Number(form.get("weight")),
          },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: WORK_TYPES }),
  });
  return (
    <form
      className="stack card"
      aria-label="Новый вид работ"
      onSubmit={(event) => {
        event.preventDefault();
        const form = event.currentTarget;
        add.mutate(new FormData(form), { onSuccess: () => form.reset() });
      }}
    >
      <h3>Новый вид работ</h3>
      <label className="field">
        <span>Название</span>
        <input name="name" required maxLength={100} />
      </label>
      <label className="field">
        <span>Код (латиницей: lab, project)</span>
        <input name="code" required pattern="[a-z0-9_]{1,32}" />
      </label>
      <label className="field">
        <span>Вес (1–10)</span>
        <input name="weight" type="number" min={1} max={10} defaultValue={1} required />
      </label>
      <button type="submit" disabled={add.isPending}>
        Добавить
      </button>
      {add.isError && (
        <p className="error" role="alert">
          {problemMessage(add.error)}
        </p>
      )}
    </form>
  );
}

function SettingsForm({ settings }: { settings: Settings }) {
  const queries = useQueryClient();
  const save = useMutation({
    mutationFn: async (form: FormData) =>
      unwrap(
        await journal.PUT("/api/journal/grading-settings", {
          body: {
            rounding_rule: String(form.get("rounding_rule")) as Settings["rounding_rule"],
            min_marks_per_period: Number(form.get("min_marks_per_period")),
            late_entry_days: Number(form.get("late_entry_days")),
            lock_after_days: Number(form.get("lock_after_days")),
            half_year_grades: String(form.get("half_year_grades") ?? "")
              .split(/[ ,;]+/)
              .filter(Boolean)
              .map(Number),
          },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["deputy", "grading"] }),
  });
  return (
    <form
      className="stack card"
      aria-label="Настройки оценивания"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(new FormData(event.currentTarget));
      }}
    >
      <label className="field">
        <span>Округление среднего балла</span>
        <select name="rounding_rule" defaultValue={settings.rounding_rule}>
          {Object.entries(RULES).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Минимум оценок за период для итоговой</span>
        <input name="min_marks_per_period" type="number" min={1} max={30} defaultValue={settings.min_marks_per_period} />
      </label>
      <label className="field">
        <span>Дней на внесение оценок задним числом</span>
        <input name="late_entry_days" type="number" min={1} max={365} defaultValue={settings.late_entry_days} />
      </label>
      <label className="field">
        <span>Дней до блокировки исправлений</span>
        <input name="lock_after_days" type="number" min={1} max={365} defaultValue={settings.lock_after_days} />
      </label>
      <label className="field">
        <span>Классы с полугодиями (через запятую)</span>
        <input name="half_year_grades" defaultValue={settings.half_year_grades.join(", ")} />
      </label>
      <button type="submit" disabled={save.isPending}>
        Сохранить настройки
      </button>
      {save.isSuccess && <p role="status">Настройки сохранены.</p>}
      {save.isError && (
        <p className="error" role="alert">
          {problemMessage(save.error)}
        </p>
      )}
    </form>
  );
}

/** Work types (add, weight, deactivate) and the school's grading settings. */
export function GradingPage() {
  const types = useQuery({
    queryKey: WORK_TYPES,
    queryFn: async () => unwrap(await journal.GET("/api/journal/work-types", {})),
  });
  const settings = useQuery({
    queryKey: ["deputy", "grading"],
    queryFn: async () => unwrap(await journal.GET("/api/journal/grading-settings", {})),
  });
  return (
    <section aria-labelledby="grading-title">
      <h1 id="grading-title">Виды работ и оценивание</h1>
      <h2>Виды работ</h2>
      {types.isPending && <p>Загрузка…</p>}
      {types.isError && (
        <p className="error" role="alert">
          {problemMessage(types.error)}
        </p>
      )}
      {types.data && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Виды работ и их веса</caption>
            <thead>
              <tr>
                <th scope="col">Вид работ</th>
                <th scope="col">Вес</th>
                <th scope="col">Действует</th>
              </tr>
            </thead>
            <tbody>
              {types.data.items.map((type) => (
                <WorkTypeRow key={`${type.code}-${type.version}`} type={type} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddWorkType />
      <h2>Настройки оценивания</h2>
      {settings.isPending && <p>Загрузка…</p>}
      {settings.isError && (
        <p className="error" role="alert">
          {problemMessage(settings.error)}
        </p>
      )}
      {settings.data && <SettingsForm key={settings.data.version} settings={settings.data} />}
    </section>
  );
}
