import { Navigate, useOutletContext } from "react-router";
import type { Me } from "../features/auth/useMe";
import { FEATURES } from "./features";
import { hasRole } from "./roles";

/** "/": the first screen of the user's roles, or a short note when there is none yet. */
export function Home() {
  const me = useOutletContext<Me | undefined>();
  const first = FEATURES.flatMap((f) => f.nav).find((item) => hasRole(me?.roles ?? [], item.roles));
  if (first) return <Navigate to={first.to} replace />;
  return (
    <section>
      <h1>Добро пожаловать</h1>
      <p>Разделы для вашей роли появятся здесь.</p>
    </section>
  );
}
