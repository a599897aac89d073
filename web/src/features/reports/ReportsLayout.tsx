import { Navigate, NavLink, Outlet, useLocation, useOutletContext } from "react-router";
import type { Me } from "../auth/useMe";
import { hasRole } from "../../app/roles";
import { tabOf, tabsFor } from "./access";
import "./reports.css";

export type ReportsContext = { me: Me; roles: string[] };

export function useReports(): ReportsContext {
  return useOutletContext<ReportsContext>();
}

/** The reports' frame: the tabs the user's roles open, «нет доступа» for the rest. */
export function ReportsLayout() {
  const me = useOutletContext<Me | undefined>();
  const location = useLocation();
  if (!me) return <p>Загрузка…</p>;
  const roles = me.roles;
  const tabs = tabsFor(roles);
  const tab = tabOf(location.pathname);
  if (tabs.length === 0 || (tab && !hasRole(roles, tab.roles))) {
    const first = tabs[0];
    if (tab?.to === "/reports" && first) return <Navigate to={first.to} replace />;
    return <NoAccess />;
  }
  const context: ReportsContext = { me, roles };
  return (
    <section aria-labelledby="reports-title" className="reports">
      <h1 id="reports-title">Отчёты</h1>
      <nav className="tabs" aria-label="Отчёты">
        {tabs.map((t) => (
          <NavLink key={t.to} to={t.to} end={t.end}>
            {t.label}
          </NavLink>
        ))}
      </nav>
      <Outlet context={context} />
    </section>
  );
}

export function NoAccess() {
  return (
    <section aria-labelledby="no-access-title">
      <h1 id="no-access-title">Нет доступа</h1>
      <p role="alert">Отчёты доступны администрации школы и учителям. Этот раздел вам недоступен.</p>
    </section>
  );
}
