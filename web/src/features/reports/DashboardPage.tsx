import { useQueries } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { schoolToday, shortDate } from "../../lib/dates";
import { problemMessage } from "../../lib/problems";
import { mondayOf } from "../../lib/week";
import {
  fetchProgress,
  FILES,
  progressQuery,
  useActivity,
  useAttendance,
  useProgress,
  useSchoolPeriods,
  type Indicators,
  type Progress,
  type SchoolPeriod,
  type Scope,
} from "./api";
import { BarChart } from "./BarChart";
import { valueText, type ChartRow, type Series } from "./chart";
import { Downloads } from "./Downloads";
import { periodLabel, periodsForTrend, ROLE_LABELS } from "./format";
import { currentPeriodOf, parseScope, scopeFigures, scopeLabel } from "./scope";

const RATES: Series[] = [
  { key: "progress_rate", label: "Успеваемость", className: "progress" },
  { key: "quality_rate", label: "Качество", className: "quality" },
  { key: "learning_degree", label: "СОУ", className: "degree" },
];

function rates(values: Indicators | undefined | null): ChartRow["values"] {
  return {
    progress_rate: values?.progress_rate ?? null,
    quality_rate: values?.quality_rate ?? null,
    learning_degree: values?.learning_degree ?? null,
  };
}

/** The director's dashboard: quality and progress for a period and scope, across the
 * year's periods, attendance and the week's activity. */
export function DashboardPage() {
  const [search, setSearch] = useSearchParams();
  const periods = useSchoolPeriods();
  const today = schoolToday();
  const years = periods.data?.years ?? [];
  const year = years.find((y) => y.year_id === search.get("year")) ?? years[0];
  const yearPeriods = year?.periods ?? [];
  const wanted = search.get("period");
  const wholeYear = wanted === "year";
  const period = wholeYear
    ? undefined
    : (yearPeriods.find((p) => p.period_id === wanted) ?? currentPeriodOf(yearPeriods, today));
  const scope = parseScope(search.get("scope"));
  const school = useProgress(period?.period_id ?? null, wholeYear ? (year?.year_id ?? null) : null, {});
  const trendPeriods = periodsForTrend(yearPeriods, period?.kind ?? "quarter", today);
  const trend = useQueries({
    queries: trendPeriods.map((p) => {
      const query = progressQuery(p.period_id, null, {});
      return { queryKey: ["reports", "progress", query], queryFn: () => fetchProgress(query) };
    }),
  });

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    setSearch(next);
  };

  if (periods.isPending) return <p>Загрузка…</p>;
  if (periods.isError)
    return (
      <p className="error" role="alert">
        {problemMessage(periods.error)}
      </p>
    );
  if (!year) return <p>Учебных периодов пока нет.</p>;

  const name = wholeYear ? `${year.name} учебный год` : period ? `${periodLabel(period)}, ${year.name}` : year.name;
  const progress = school.data;
  const label = scopeLabel(scope, progress);
  const figures = progress ? scopeFigures(progress, scope) : undefined;
  const scopeQuery: Scope = scope.kind === "class" ? { class_id: scope.classId } : scope.kind === "grade" ? { grade: scope.grade } : {};
  return (
    <div>
      <div className="toolbar">
        {years.length > 1 && (
          <label className="field">
            <span>Учебный год</span>
            <select value={year.year_id} onChange={(e) => set({ year: e.target.value, period: null })}>
              {years.map((y) => (
                <option key={y.year_id} value={y.year_id}>
                  {y.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Период</span>
          <select value={wholeYear ? "year" : (period?.period_id ?? "")} onChange={(e) => set({ period: e.target.value })}>
            {yearPeriods.map((p) => (
              <option key={p.period_id} value={p.period_id}>
                {periodLabel(p)}
                {p.closed ? " (закрыт)" : ""}
              </option>
            ))}
            <option value="year">Учебный год</option>
          </select>
        </label>
        <label className="field">
          <span>Охват</span>
          <select value={search.get("scope") ?? "school"} onChange={(e) => set({ scope: e.target.value })}>
            <option value="school">Вся школа</option>
            {progress?.parallels.map((p) => (
              <option key={p.grade} value={`grade:${p.grade}`}>
                Параллель {p.grade}-х классов
              </option>
            ))}
            {progress?.classes.map((c) => (
              <option key={c.class_id} value={`class:${c.class_id}`}>
                Класс {c.class_name}
              </option>
            ))}
          </select>
        </label>
      </div>

      <h2>
        Успеваемость и качество: {label}, {name}
      </h2>
      {school.isPending && <p>Загрузка показателей…</p>}
      {school.isError && (
        <p className="error" role="alert">
          {problemMessage(school.error)}
        </p>
      )}
      {progress && (
        <>
          <Downloads
            title={`Успеваемость, ${label}, ${name}`}
            request={FILES.progress(progressQuery(period?.period_id ?? null, year.year_id, scopeQuery))}
          />
          <Figures values={figures} />
          {progress.unmarked_grades.length > 0 && (
            <p className="muted" data-testid="unmarked-note">
              Классы, обучающиеся без отметок ({progress.unmarked_grades.map((g) => `${g}-е`).join(", ")}), в
              показателях успеваемости и качества не учитываются; посещаемость по ним ниже.
            </p>
          )}
          <div className="charts">
            <BarChart
              title={`По периодам года: ${label}`}
              firstColumn="Период"
              series={RATES}
              rows={trendPeriods.map((p, index) => ({
                label: periodLabel(p),
                values: rates(trend[index]?.data ? scopeFigures(trend[index].data, scope) : null),
              }))}
            />
            <BarChart
              title={scope.kind === "class" ? `По предметам: ${label}` : `По классам: ${label}`}
              firstColumn={scope.kind === "class" ? "Предмет" : "Класс"}
              series={RATES}
              rows={breakdown(progress, scope)}
            />
          </div>
        </>
      )}
      {period && <AttendanceSection period={period} scope={scope} progress={progress} name={name} label={label} />}
      <ActivitySection week={search.get("week") ?? today} onWeek={(week) => set({ week })} />
    </div>
  );
}

function breakdown(progress: Progress, scope: ReturnType<typeof parseScope>): ChartRow[] {
  if (scope.kind === "class") {
    return progress.groups
      .filter((g) => g.class_id === scope.classId)
      .map((g) => ({ label: g.subject_name ?? "—", values: rates(g) }));
  }
  return progress.classes
    .filter((c) => c.marks_given && (scope.kind !== "grade" || c.grade === scope.grade))
    .map((c) => ({ label: c.class_name ?? "—", values: rates(c) }));
}

function Figures({ values }: { values: Indicators | undefined }) {
  if (!values) return <p>Данных по этому охвату нет.</p>;
  const items = [
    ["Успеваемость", valueText(values.progress_rate, "%")],
    ["Качество", valueText(values.quality_rate, "%")],
    ["СОУ", valueText(values.learning_degree, "%")],
    ["Средний балл", valueText(values.mean_mark)],
    ["Учтено результатов", String(values.students_counted)],
  ];
  return (
    <ul className="figures" aria-label="Показатели">
      {items.map(([name, value]) => (
        <li key={name} data-figure={name}>
          <span className="figure-value">{value}</span>
          <span className="figure-name">{name}</span>
        </li>
      ))}
    </ul>
  );
}

function AttendanceSection({
  period,
  scope,
  progress,
  name,
  label,
}: {
  period: SchoolPeriod;
  scope: ReturnType<typeof parseScope>;
  progress: Progress | undefined;
  name: string;
  label: string;
}) {
  const classId = scope.kind === "class" ? scope.classId : undefined;
  const attendance = useAttendance(period.period_id, classId);
  const grades = new Map(progress?.classes.map((c) => [c.class_id, c.grade]) ?? []);
  const classes = (attendance.data?.classes ?? []).filter(
    (c) => scope.kind !== "grade" || grades.get(c.class_id) === scope.grade,
  );
  return (
    <section className="report-section" aria-labelledby="attendance-title">
      <h2 id="attendance-title">Посещаемость: {label}, {name}</h2>
      {attendance.isPending && <p>Загрузка…</p>}
      {attendance.isError && (
        <p className="error" role="alert">
          {problemMessage(attendance.error)}
        </p>
      )}
      {attendance.data && (
        <>
          <Downloads
            title={`Посещаемость, ${name}`}
            request={FILES.attendance({ period_id: period.period_id, ...(classId ? { class_id: classId } : {}) })}
          />
          <div className="charts">
            <BarChart
              title="Доля пропущенных уроков по классам"
              firstColumn="Класс"
              series={[{ key: "missed_share", label: "Пропущено", className: "missed" }]}
              ceiling={null}
              table={false}
              unit="%"
              rows={classes.map((c) => ({ label: c.class_name ?? "—", values: { missed_share: c.missed_share } }))}
            />
            <div className="table-wrap">
              <table className="table">
                <caption>Пропуски по причинам (Н, Б, П — пропущенные уроки; ОП — опоздания)</caption>
                <thead>
                  <tr>
                    <th scope="col">Класс</th>
                    <th scope="col">Уроков</th>
                    <th scope="col">Н</th>
                    <th scope="col">Б</th>
                    <th scope="col">П</th>
                    <th scope="col">ОП</th>
                    <th scope="col">Пропущено</th>
                  </tr>
                </thead>
                <tbody>
                  {classes.map((c) => (
                    <tr key={c.class_id}>
                      <th scope="row">{c.class_name}</th>
                      <td>{c.lessons_held}</td>
                      <td>{c["Н"]}</td>
                      <td>{c["Б"]}</td>
                      <td>{c["П"]}</td>
                      <td>{c["ОП"]}</td>
                      <td>{valueText(c.missed_share, "%")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function ActivitySection({ week, onWeek }: { week: string; onWeek: (week: string) => void }) {
  const monday = mondayOf(week);
  const activity = useActivity(monday, true);
  const data = activity.data;
  return (
    <section className="report-section" aria-labelledby="activity-title">
      <h2 id="activity-title">Активность за неделю</h2>
      <div className="toolbar">
        <label className="field">
          <span>Неделя (любой день)</span>
          <input type="date" value={monday} onChange={(e) => e.target.value && onWeek(e.target.value)} />
        </label>
      </div>
      {activity.isPending && <p>Загрузка…</p>}
      {activity.isError && (
        <p className="error" role="alert">
          {problemMessage(activity.error)}
        </p>
      )}
      {data && (
        <>
          <p>
            {shortDate(data.week_starts_on)} — {shortDate(data.week_ends_on)}
          </p>
          <Downloads title={`Активность, неделя с ${shortDate(data.week_starts_on)}`} request={FILES.activity(monday)} />
          <div className="charts">
            <div className="table-wrap">
              <table className="table">
                <caption>Входили в систему (разных людей за неделю)</caption>
                <tbody>
                  {Object.entries(data.unique_sign_ins_by_role).map(([role, count]) => (
                    <tr key={role}>
                      <th scope="row">{ROLE_LABELS[role] ?? role}</th>
                      <td>{count}</td>
                    </tr>
                  ))}
                  {Object.keys(data.unique_sign_ins_by_role).length === 0 && (
                    <tr>
                      <td colSpan={2}>Никто не входил.</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
            <div className="table-wrap">
              <table className="table">
                <caption>Действия</caption>
                <tbody>
                  <tr>
                    <th scope="row">Выставлено отметок</th>
                    <td>{data.actions.marks_entered}</td>
                  </tr>
                  <tr>
                    <th scope="row">Заполнено уроков</th>
                    <td>{data.actions.lessons_filled}</td>
                  </tr>
                  <tr>
                    <th scope="row">Отправлено сообщений</th>
                    <td>{data.actions.messages_sent}</td>
                  </tr>
                  <tr>
                    <th scope="row">Просмотров дневника</th>
                    <td>{data.actions.diary_views ?? "пока не учитываются"}</td>
                  </tr>
                </tbody>
              </table>
            </div>
          </div>
          <h3>Не заполняли журнал на этой неделе</h3>
          {data.staff_without_entries.length === 0 ? (
            <p className="clean">Все учителя вносили записи.</p>
          ) : (
            <ul>
              {data.staff_without_entries.map((s) => (
                <li key={s.account_id}>{s.name ?? "Учитель без имени"}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
