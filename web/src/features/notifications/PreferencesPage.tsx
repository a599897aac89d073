import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { problemMessage } from "../../lib/problems";
import {
  bodyOf,
  CATEGORY_NAMES,
  formOf,
  PREFERENCES,
  type PreferencesForm,
  savePreferences,
  usePreferences,
} from "./preferences";

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

/** Which notifications come, at once or as a daily digest at a chosen hour, and quiet
 * hours without email; saved through `PUT /preferences`. */
export function PreferencesPage() {
  const found = usePreferences();
  const queries = useQueryClient();
  const [form, setForm] = useState<PreferencesForm | null>(null);
  useEffect(() => {
    if (found.data && !form) setForm(formOf(found.data));
  }, [found.data, form]);
  const save = useMutation({
    mutationFn: () => savePreferences(bodyOf(form!, found.data!)),
    onSuccess: (saved) => queries.setQueryData(PREFERENCES, saved),
  });
  if (found.isPending) return <p>Загрузка…</p>;
  if (found.isError) return <p className="error" role="alert">{problemMessage(found.error)}</p>;
  if (!form) return null;
  const change = (next: Partial<PreferencesForm>) => setForm({ ...form, ...next });

  return (
    <section aria-labelledby="prefs-title">
      <h1 id="prefs-title">Настройки уведомлений</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <fieldset>
          <legend>О чём сообщать</legend>
          {found.data.categories.map((category) => (
            <label key={category} className="inline">
              <input
                type="checkbox"
                checked={form.wanted.includes(category)}
                onChange={(event) =>
                  change({
                    wanted: event.target.checked
                      ? [...form.wanted, category]
                      : form.wanted.filter((one) => one !== category),
                  })
                }
              />
              {CATEGORY_NAMES[category] ?? category}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Письма на почту</legend>
          <label className="inline">
            <input type="radio" name="delivery" checked={form.delivery === "immediate"} onChange={() => change({ delivery: "immediate" })} />
            Сразу
          </label>
          <label className="inline">
            <input type="radio" name="delivery" checked={form.delivery === "digest"} onChange={() => change({ delivery: "digest" })} />
            Одной сводкой в день
          </label>
          {form.delivery === "digest" && (
            <label className="field">
              <span>Час сводки</span>
              <select value={form.digestHour} onChange={(event) => change({ digestHour: Number(event.target.value) })}>
                {HOURS.map((hour) => (
                  <option key={hour} value={hour}>{`${String(hour).padStart(2, "0")}:00`}</option>
                ))}
              </select>
            </label>
          )}
        </fieldset>
        <fieldset>
          <legend>Тихие часы</legend>
          <label className="inline">
            <input type="checkbox" checked={form.quiet} onChange={(event) => change({ quiet: event.target.checked })} />
            Не присылать письма ночью
          </label>
          {form.quiet && (
            <>
              <label className="field">
                <span>С</span>
                <input type="time" value={form.quietFrom} onChange={(event) => change({ quietFrom: event.target.value })} />
              </label>
              <label className="field">
                <span>До</span>
                <input type="time" value={form.quietTo} onChange={(event) => change({ quietTo: event.target.value })} />
              </label>
            </>
          )}
        </fieldset>
        {save.isError && <p className="error" role="alert">Не сохранено: {problemMessage(save.error)}</p>}
        {save.isSuccess && <p className="ok" role="status">Сохранено.</p>}
        <button type="submit" disabled={save.isPending}>Сохранить</button>
      </form>
    </section>
  );
}
