// The class teacher's roster data, through the typed journal client.
import { useQuery } from "@tanstack/react-query";
import { journal, retryUnlessRefused, unwrap } from "../../lib/api";
import { schoolToday } from "../../lib/dates";

export type MyClass = { classId: string; name: string; students: number };

/** The classes the signed-in teacher leads as class teacher. */
export function useMyClasses() {
  return useQuery({
    queryKey: ["roster", "my-classes"],
    retry: retryUnlessRefused,
    queryFn: async (): Promise<MyClass[]> => {
      const classes = unwrap(
        await journal.GET("/api/journal/classes", { params: { query: { led_by_me: true } } }),
      );
      return classes.items.map((c) => ({ classId: c.class_id, name: c.name, students: c.students }));
    },
  });
}

export function useClassList(classId: string) {
  return useQuery({
    queryKey: ["roster", "class", classId],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/classes/{class_id}/students", {
          params: { path: { class_id: classId }, query: { on: schoolToday() } },
        }),
      ),
  });
}

export function useStudentCard(studentId: string) {
  return useQuery({
    queryKey: ["roster", "student", studentId],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/students/{student_id}", {
          params: { path: { student_id: studentId } },
        }),
      ),
  });
}

export function useStudentHistory(studentId: string) {
  return useQuery({
    queryKey: ["roster", "student", studentId, "history"],
    retry: retryUnlessRefused,
    queryFn: async () =>
      unwrap(
        await journal.GET("/api/journal/students/{student_id}/history", {
          params: { path: { student_id: studentId } },
        }),
      ),
  });
}

export async function importClassList(classId: string, file: File) {
  const form = new FormData();
  form.append("file", file);
  return unwrap(
    await journal.POST("/api/journal/classes/{class_id}/import", {
      params: { path: { class_id: classId } },
      // the schema's binary part is a string; the form carries the file itself
      body: { file: file.name },
      bodySerializer: () => form,
    }),
  );
}
