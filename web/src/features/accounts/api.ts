// The account screens' data: auth's sessions, password, issuance, roles and consents, and
// journal's classes and names (auth keeps no student's or parent's name).
import { useQuery } from "@tanstack/react-query";
import { auth, journal, retryUnlessRefused, unwrap, type AuthSchemas } from "../../lib/api";
import { schoolToday } from "../../lib/dates";

type Schemas = AuthSchemas["schemas"];
export type SessionOut = Schemas["SessionOut"];
export type AccountOut = Schemas["AccountOut"];
export type ActivationOut = Schemas["ActivationOut"];
export type ConsentOut = Schemas["ConsentOut"];
export type StaffRole = Schemas["GrantableRoles"]["roles"][number];

export function useSessions() {
  return useQuery({
    queryKey: ["accounts", "sessions"],
    retry: retryUnlessRefused,
    queryFn: async () => unwrap(await auth.GET("/api/auth/sessions")).sessions,
  });
}

export async function revokeSession(sessionId: string): Promise<void> {
  unwrap(
    await auth.DELETE("/api/auth/sessions/{session_id}", {
      params: { path: { session_id: sessionId } },
    }),
  );
}

export async function signOutEverywhere(): Promise<number> {
  return unwrap(await auth.POST("/api/auth/logout-all")).sessions_ended;
}

export async function changePassword(current: string, next: string): Promise<number> {
  return unwrap(
    await auth.POST("/api/auth/me/password", {
      body: { current_password: current, new_password: next },
    }),
  ).sessions_ended;
}

/** Every page of the school's accounts of a kind (the issuer's list, 500 a page). */
async function allAccounts(kind: "staff" | "student" | "parent"): Promise<AccountOut[]> {
  const items: AccountOut[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    const page: { items: AccountOut[]; next_offset: number | null } = unwrap(
      await auth.GET("/api/auth/accounts", { params: { query: { kind, limit: 500, offset } } }),
    );
    items.push(...page.items);
    offset = page.next_offset;
  }
  return items;
}

export function useStaff() {
  return useQuery({
    queryKey: ["accounts", "staff"],
    retry: retryUnlessRefused,
    queryFn: () => allAccounts("staff"),
  });
}

export function useGrantableRoles() {
  return useQuery({
    queryKey: ["accounts", "grantable"],
    retry: retryUnlessRefused,
    queryFn: async () => unwrap(await auth.GET("/api/auth/me/grantable-roles")).roles,
  });
}

export async function createStaff(body: Schemas["StaffCreate"]) {
  return unwrap(await auth.POST("/api/auth/staff", { body }));
}

export async function grantRole(accountId: string, role: StaffRole) {
  return unwrap(
    await auth.PUT("/api/auth/accounts/{account_id}/roles/{role}", {
      params: { path: { account_id: accountId, role } },
    }),
  ).roles;
}

export async function revokeRole(accountId: string, role: StaffRole) {
  return unwrap(
    await auth.DELETE("/api/auth/accounts/{account_id}/roles/{role}", {
      params: { path: { account_id: accountId, role } },
    }),
  ).roles;
}

export async function reissue(accountId: string) {
  return unwrap(
    await auth.POST("/api/auth/accounts/{account_id}/activation-code", {
      params: { path: { account_id: accountId } },
    }),
  );
}

export async function disable(accountId: string): Promise<void> {
  unwrap(
    await auth.POST("/api/auth/accounts/{account_id}/disable", {
      params: { path: { account_id: accountId } },
    }),
  );
}

// --- a class's credentials (the deputy) ---------------------------------------------------

export type SchoolClass = { classId: string; name: string; students: number };

export function useClasses() {
  return useQuery({
    queryKey: ["accounts", "classes"],
    retry: retryUnlessRefused,
    queryFn: async (): Promise<SchoolClass[]> =>
      unwrap(await journal.GET("/api/journal/classes")).items.map((c) => ({
        classId: c.class_id,
        name: c.name,
        students: c.students,
      })),
  });
}

export type Name = { last_name: string; first_name: string; middle_name?: string | null };
export type ClassPerson = Name & {
  personId: string;
  kind: "student" | "parent";
  /** A parent's children in the class (names), a student's own id. */
  children: string[];
};

/** The class's students and their guardians, from journal (a parent of two is listed once). */
export async function classPeople(classId: string): Promise<ClassPerson[]> {
  const list = unwrap(
    await journal.GET("/api/journal/classes/{class_id}/students", {
      params: { path: { class_id: classId }, query: { on: schoolToday() } },
    }),
  );
  const cards = await Promise.all(
    list.items.map(async (student) =>
      unwrap(
        await journal.GET("/api/journal/students/{student_id}", {
          params: { path: { student_id: student.student_id } },
        }),
      ),
    ),
  );
  const people: ClassPerson[] = [];
  const parents = new Map<string, ClassPerson>();
  list.items.forEach((student, index) => {
    people.push({ ...nameOf(student), personId: student.student_id, kind: "student", children: [] });
    for (const guardian of cards[index]?.guardians ?? []) {
      const known = parents.get(guardian.guardian_id);
      const child = fullName(student);
      if (known) known.children.push(child);
      else {
        const parent: ClassPerson = {
          ...nameOf(guardian),
          personId: guardian.guardian_id,
          kind: "parent",
          children: [child],
        };
        parents.set(guardian.guardian_id, parent);
        people.push(parent);
      }
    }
  });
  return people;
}

function nameOf(person: Name): Name {
  return {
    last_name: person.last_name,
    first_name: person.first_name,
    middle_name: person.middle_name ?? null,
  };
}

export function fullName(person: Name): string {
  return [person.last_name, person.first_name, person.middle_name].filter(Boolean).join(" ");
}

export function useClassAccounts(classId: string) {
  return useQuery({
    queryKey: ["accounts", "class", classId],
    retry: retryUnlessRefused,
    queryFn: async () => {
      const [people, students, parents] = await Promise.all([
        classPeople(classId),
        allAccounts("student"),
        allAccounts("parent"),
      ]);
      return { people, accounts: [...students, ...parents] };
    },
  });
}

/** Issue the class's credentials: the PDF of slips of everyone issued now. */
export async function issueClass(
  classId: string,
  className: string,
  people: ClassPerson[],
): Promise<Blob> {
  const blob = unwrap(
    await auth.POST("/api/auth/classes/{class_id}/credentials", {
      params: { path: { class_id: classId } },
      body: {
        class_name: className,
        people: people.map((p) => ({ person_id: p.personId, ...nameOf(p) })),
      },
      parseAs: "blob",
    }),
  );
  return blob as unknown as Blob;
}

export async function issueOne(person: ClassPerson) {
  return unwrap(
    await auth.POST("/api/auth/credentials", {
      body: { person_id: person.personId, kind: person.kind, ...nameOf(person) },
    }),
  );
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// --- consents (a parent) ------------------------------------------------------------------

export function useConsents() {
  return useQuery({
    queryKey: ["accounts", "consents"],
    retry: retryUnlessRefused,
    queryFn: async () => unwrap(await auth.GET("/api/auth/consents")).consents,
  });
}

export function useChildName(studentId: string) {
  return useQuery({
    queryKey: ["accounts", "child", studentId],
    retry: retryUnlessRefused,
    staleTime: 10 * 60_000,
    queryFn: async () =>
      fullName(
        unwrap(
          await journal.GET("/api/journal/diary/{student_id}/years", {
            params: { path: { student_id: studentId } },
          }),
        ),
      ),
  });
}

export async function setConsent(
  studentId: string,
  purpose: ConsentOut["purpose"],
  given: boolean,
): Promise<ConsentOut> {
  const params = { params: { path: { student_id: studentId, purpose } } };
  return unwrap(
    given
      ? await auth.PUT("/api/auth/consents/{student_id}/{purpose}", params)
      : await auth.DELETE("/api/auth/consents/{student_id}/{purpose}", params),
  );
}
