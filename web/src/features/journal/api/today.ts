import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiProblem, journal, unwrap } from "../../../lib/api";
import { holidayOn, journalPeriods, yearFor } from "../../../lib/calendar";
import { schoolToday } from "../../../lib/dates";
import { journalQueue } from "../model/instance";
import { fetchPage, pageKey, type JournalPage } from "./page";

export type TeacherJournal = {
  assignmentId: string;
  periodId: string;
  className: string;
  subjectName: string;
  periodName: string;
};

export type TodayLesson = {
  assignmentId: string;
  periodId: string;
  className: string;
  subjectName: string;
  lesson: JournalPage["lessons"][number];
};

export type DayOff = { name: string; starts_on: string; ends_on: string };
/** Where today stands against the year the journals open in. */
export type YearState = "running" | "ended" | "ahead" | "none";

/** The teacher's lessons today, from the journal pages of their assignments in the period
 * holding today (the pages are kept in the query cache: the grid then opens at once, and
 * with no network). A class level graded by halves refuses a quarter and the reverse, so
 * each period is tried in turn. In a holiday or the summer no period holds today: the
 * journals open on the last period begun, of the year holding today, else the next one
 * opened, else the one ended (journal's /years/current knows no year ended). */
export function useTodayLessons() {
  const today = schoolToday();
  const queries = useQueryClient();
  return useQuery({
    queryKey: ["journal", "today", today],
    queryFn: async (): Promise<{
      date: string;
      lessons: TodayLesson[];
      journals: TeacherJournal[];
      dayOff: DayOff | null;
      yearState: YearState;
    }> => {
      const [assignments, years] = await Promise.all([
        journal.GET("/api/journal/assignments").then(unwrap),
        journal.GET("/api/journal/years").then(unwrap),
      ]);
      const year = yearFor(years.items, today);
      const periods = year ? journalPeriods(year.periods, today) : [];
      const dayOff = (year && holidayOn(year.holidays, today)) ?? null;
      const yearState: YearState = !year
        ? "none"
        : today > year.ends_on
          ? "ended"
          : today < year.starts_on
            ? "ahead"
            : "running";
      const pages = await Promise.all(
        assignments.items.map(async (assignment) => {
          for (const period of periods) {
            try {
              const page = await fetchPage(assignment.assignment_id, period.period_id);
              queries.setQueryData(pageKey(assignment.assignment_id, period.period_id), { page, kept: false });
              void journalQueue.keepPage(`${assignment.assignment_id}/${period.period_id}`, page);
              return { page, periodId: period.period_id };
            } catch (error) {
              if (error instanceof ApiProblem && error.status === 422) continue;
              throw error;
            }
          }
          return null;
        }),
      );
      const lessons = pages
        .flatMap((found) =>
          found
            ? found.page.lessons
                .filter((lesson) => lesson.date === today)
                .map((lesson) => ({
                  assignmentId: found.page.assignment.assignment_id,
                  periodId: found.periodId,
                  className: found.page.assignment.class_name,
                  subjectName: found.page.assignment.subject_name,
                  lesson,
                }))
            : [],
        )
        .sort((a, b) => (a.lesson.lesson_number ?? 99) - (b.lesson.lesson_number ?? 99));
      const journals = pages
        .flatMap((found) => (found ? [found] : []))
        .map(({ page, periodId }) => ({
          assignmentId: page.assignment.assignment_id,
          periodId,
          className: page.assignment.class_name,
          subjectName: page.assignment.subject_name,
          periodName: page.period.kind === "half" ? `${page.period.number} полугодие` : `${page.period.number} четверть`,
        }))
        .sort((a, b) => a.className.localeCompare(b.className, "ru") || a.subjectName.localeCompare(b.subjectName, "ru"));
      return { date: today, lessons, journals, dayOff, yearState };
    },
  });
}
