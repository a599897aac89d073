import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiProblem, journal, unwrap, type JournalSchemas } from "../../lib/api";
import { shortDate } from "../../lib/dates";
import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";

type Period = JournalSchemas["schemas"]["PeriodOut"];

export function periodTitle(p: { kind: string; number: number }): string {
  return `${p.number} ${p.kind === "half" ? "полугодие" : "четверть"}`;
}

function PeriodRow({ period, yearClosed }: { period: Period; yearClosed: boolean }) {
  const queries = useQueryClient();
  const [reason, setReason] = useState("");
  const closed = period.closed_at !== null;
  const title = periodTitle(period);
  const act = useMutation({
    mutationFn: async () => {
      // the version read: a period someone changed meanwhile answers 409 stale-version
      const body = { version: period.version, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      const params = { path: { period_id: period.period_id } };
      return unwrap(
        closed
          ? await journal.POST("/api/journal/periods/{period_id}/reopen", { params, body })
          : await journal.POST("/api/journal/periods/{period_id}/close", { params, body }),
      );
    },
    onSuccess: () => {
      setReason("");
      return queries.invalidateQueries({ queryKey: ["deputy", "years"] });
    },
  });
  const conflict = act.error instanceof ApiProblem && act.error.status === 409;
  return (
    <li className="card period" data-testid="period">
      <div>
        <strong>{title}</strong>{" "}
        <span className="muted">
          {shortDate(period.starts_on)} — {shortDate(period.ends_on)}
        </span>
      </div>
      <div aria-live="polite">
        {closed ? `Закрыт ${schoolDateTime(period.closed_at ?? "")}` : "Открыт"}
      </div>
      {!yearClosed && (
        <div className="toolbar">
          <label className="field">
            <span>Причина ({title})</span>
            <input value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <button type="button" disabled={act.isPending} onClick={() => act.mutate()}>
            {closed ? `Открыть ${title}` : `Закрыть ${title}`}
          </button>
        </div>
      )}
      {act.isError && (
        <div className="error" role="alert">
          {problemMessage(act.error)}
          {conflict && (
            <button
              type="button"
              className="link"
              onClick={() => {
                act.reset();
                void queries.invalidateQueries({ queryKey: ["deputy", "years"] });
              }}
            >
              Обновить данные
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** The school's years and their periods, each closed or reopened by the deputy. */
export function PeriodsPage() {
  const years = useQuery({
    queryKey: ["deputy", "years"],
    queryFn: async () => unwrap(await journal.GET("/api/journal/years", {})),
  });
  return (
    <section aria-labelledby="periods-title">
      <h1 id="periods-title">Учебные периоды</h1>
      <p className="muted">
        В закрытом периоде оценки, посещаемость и итоговые оценки больше не меняются.
      </p>
      {years.isPending && <p>Загрузка…</p>}
      {years.isError && (
        <p className="error" role="alert">
          {problemMessage(years.error)}
        </p>
      )}
      {years.data?.items.map((year) => (
        <section key={year.year_id} aria-label={`Учебный год ${year.name}`}>
          <h2>
            {year.name} {year.closed_at ? "(год закрыт)" : ""}
          </h2>
          <ul className="stack">
            {year.periods.map((period) => (
              <PeriodRow key={period.period_id} period={period} yearClosed={Boolean(year.closed_at)} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
