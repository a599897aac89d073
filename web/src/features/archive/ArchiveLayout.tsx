import { Outlet, useOutletContext } from "react-router";
import type { Me } from "../auth/useMe";
import { canList } from "./access";
import "./archive.css";

export type ArchiveContext = { me: Me };

export function useArchive(): ArchiveContext {
  return useOutletContext<ArchiveContext>();
}

/** The school's archive: its frame, «нет доступа» for roles that do not read it. */
export function ArchiveLayout() {
  const me = useOutletContext<Me | undefined>();
  if (!me) return <p>Загрузка…</p>;
  if (!canList(me.roles)) return <NoAccess />;
  return (
    <section aria-labelledby="archive-title" className="archive">
      <h1 id="archive-title">Архив</h1>
      <Outlet context={{ me } satisfies ArchiveContext} />
    </section>
  );
}

export function NoAccess() {
  return (
    <section aria-labelledby="no-access-title">
      <h1 id="no-access-title">Нет доступа</h1>
      <p role="alert">Архив школы доступен директору, заместителю директора и системному администратору.</p>
    </section>
  );
}
