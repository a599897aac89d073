import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { FEATURES } from "../app/features";
import { hasRole, roleName } from "../app/roles";
import { displayName, forgetMe, useMe } from "../features/auth/useMe";
import { endSession, hasSession, refreshToken, SessionEnded, subscribe } from "../lib/session";
import { ServerAwayBanner } from "./ServerAwayBanner";

export async function signOut(): Promise<void> {
  const token = refreshToken();
  endSession();
  forgetMe();
  if (token) {
    try {
      await fetch("/api/auth/logout", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
    } catch {
      // the server is away: the tokens are forgotten here, the session expires there
    }
  }
}

/** The signed-in frame: header with the user's name and role, navigation by role. */
export function Shell() {
  const signedIn = useSyncExternalStore(subscribe, hasSession);
  const me = useMe(signedIn);
  const location = useLocation();
  const navigate = useNavigate();
  const queries = useQueryClient();

  useEffect(() => {
    if (me.error instanceof SessionEnded) {
      endSession();
      forgetMe();
    }
  }, [me.error]);

  if (!signedIn) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;

  const roles = me.data?.roles ?? [];
  const nav = FEATURES.flatMap((feature) => feature.nav).filter((item) =>
    hasRole(roles, item.roles),
  );

  async function leave() {
    await signOut();
    queries.clear();
    navigate("/signin", { replace: true });
  }

  return (
    <div className="shell">
      <a className="skip" href="#content">
        К содержимому
      </a>
      <header className="topbar">
        <span className="brand">Электронный журнал</span>
        {me.data && (
          <span className="who" data-testid="who">
            <span className="who-name">{displayName(me.data)}</span>
            <span className="who-role">{roles.map(roleName).join(", ")}</span>
          </span>
        )}
        <button type="button" className="link" onClick={leave}>
          Выйти
        </button>
      </header>
      {nav.length > 0 && (
        <nav className="mainnav" aria-label="Разделы">
          {nav.map((item) => (
            <NavLink key={item.to} to={item.to}>
              {item.Badge ? <item.Badge label={item.label} /> : item.label}
            </NavLink>
          ))}
        </nav>
      )}
      <ServerAwayBanner />
      <main id="content" className="content">
        {me.isPending && !me.data ? <p>Загрузка…</p> : <Outlet context={me.data} />}
      </main>
    </div>
  );
}
