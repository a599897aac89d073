// Progress letters (`/progress-letters`): sent now for a class and a range, or weekly.
import { useQuery } from "@tanstack/react-query";
import { ApiProblem, journal, messaging, unwrap } from "../../../lib/api";

export const LETTERS = ["mail", "letters"] as const;

export function useLedClasses() {
  return useQuery({
    queryKey: [...LETTERS, "classes"],
    queryFn: async () =>
      unwrap(await journal.GET("/api/journal/classes", { params: { query: { led_by_me: true } } })).items,
  });
}

export function useSchedule(classId: string) {
  return useQuery({
    queryKey: [...LETTERS, "schedule", classId],
    enabled: Boolean(classId),
    queryFn: async () => {
      const result = await messaging.GET("/api/messaging/progress-letters/schedules/{class_id}", {
        params: { path: { class_id: classId } },
      });
      if (result.response.status === 404) return null; // no weekly letters yet
      return unwrap(result);
    },
  });
}

/** The class's progress letters sent so far, newest first (on request and weekly). */
export function useSentLetters(classId: string) {
  return useQuery({
    queryKey: [...LETTERS, "sent", classId],
    enabled: Boolean(classId),
    queryFn: async () =>
      unwrap(
        await messaging.GET("/api/messaging/progress-letters/sent", {
          params: { query: { class_id: classId, limit: 50 } },
        }),
      ),
  });
}

export async function sendNow(classId: string, from: string, to: string, comment: string) {
  return unwrap(
    await messaging.POST("/api/messaging/progress-letters", {
      body: { class_id: classId, from, to, comment: comment || null },
    }),
  );
}

export async function schedule(classId: string, weekday: number, hour: number, comment: string) {
  return unwrap(
    await messaging.PUT("/api/messaging/progress-letters/schedules/{class_id}", {
      params: { path: { class_id: classId } },
      body: { weekday, hour, comment: comment || null },
    }),
  );
}

export async function unschedule(classId: string): Promise<void> {
  unwrap(
    await messaging.DELETE("/api/messaging/progress-letters/schedules/{class_id}", {
      params: { path: { class_id: classId } },
    }),
  );
}

/** The last seven days up to today (school dates as YYYY-MM-DD). */
export function lastWeek(today: Date): { from: string; to: string } {
  const day = (d: Date) => d.toLocaleDateString("sv-SE", { timeZone: "Europe/Moscow" });
  return { from: day(new Date(today.getTime() - 6 * 86_400_000)), to: day(today) };
}

export function lettersProblem(error: unknown): string | undefined {
  if (error instanceof ApiProblem && error.status === 409) {
    return "Письма этому классу за этот период уже отправлены.";
  }
  return undefined;
}
