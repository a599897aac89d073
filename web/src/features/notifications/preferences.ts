// Notification preferences: the form's state to and from `PUT /preferences`.
import { useQuery } from "@tanstack/react-query";
import { messaging, unwrap } from "../../lib/api";
import type { components } from "../../api/generated/messaging";

export type Preferences = components["schemas"]["PreferencesOut"];
export type PreferencesIn = components["schemas"]["PreferencesIn"];
export const PREFERENCES = ["notifications", "preferences"] as const;

export const CATEGORY_NAMES: Record<string, string> = {
  marks: "Оценки",
  attendance: "Пропуски",
  homework: "Домашние задания",
  final_marks: "Итоговые оценки",
  periods: "Закрытие периодов",
  reports: "Отчёты",
  letters: "Письма об успеваемости",
};

export type PreferencesForm = {
  wanted: string[];
  delivery: "immediate" | "digest";
  digestHour: number;
  quiet: boolean;
  quietFrom: string;
  quietTo: string;
};

export function formOf(found: Preferences): PreferencesForm {
  return {
    wanted: found.categories.filter((category) => !(found.muted ?? []).includes(category)),
    delivery: found.delivery ?? "immediate",
    digestHour: found.digest_hour ?? 18,
    quiet: found.quiet_hours != null,
    quietFrom: found.quiet_hours?.start.slice(0, 5) ?? "22:00",
    quietTo: found.quiet_hours?.end.slice(0, 5) ?? "07:00",
  };
}

/** What is saved: the categories not wanted are muted; the email address is kept. */
export function bodyOf(form: PreferencesForm, found: Preferences): PreferencesIn {
  return {
    muted: found.categories.filter((category) => !form.wanted.includes(category)),
    delivery: form.delivery,
    digest_hour: form.digestHour,
    quiet_hours: form.quiet ? { start: `${form.quietFrom}:00`, end: `${form.quietTo}:00` } : null,
    email: found.email ?? null,
  };
}

export function usePreferences() {
  return useQuery({
    queryKey: PREFERENCES,
    queryFn: async () => unwrap(await messaging.GET("/api/messaging/preferences", {})),
  });
}

export async function savePreferences(body: PreferencesIn): Promise<Preferences> {
  return unwrap(await messaging.PUT("/api/messaging/preferences", { body }));
}
