// External sign-in (ЕСИА/Госуслуги through auth's OpenID Connect relying party): whether
// the server offers it, the start of a sign-in or a link (the browser is then sent to the
// provider), the callback's answer, and one's own link.
import { useQuery } from "@tanstack/react-query";
import { auth, retryUnlessRefused, unwrap, type AuthSchemas } from "../../../lib/api";

type Schemas = AuthSchemas["schemas"];
export type ProviderOut = Schemas["ProviderOut"];
export type CallbackIn = Schemas["CallbackIn"];
export type CallbackOut = Schemas["CallbackOut"];
export type LinkOut = Schemas["LinkOut"];

export const LINK_KEY = ["auth", "oidc", "link"] as const;

/** Whether sign-in through the provider is offered (the button shows only then). */
export function useProvider() {
  return useQuery({
    queryKey: ["auth", "oidc", "provider"],
    staleTime: 5 * 60_000,
    retry: retryUnlessRefused,
    queryFn: async (): Promise<ProviderOut> => unwrap(await auth.GET("/api/auth/oidc")),
  });
}

/** The caller's link to the provider (404 `oidc-not-configured` when it is off). */
export function useOwnLink() {
  return useQuery({
    queryKey: LINK_KEY,
    retry: retryUnlessRefused,
    queryFn: async (): Promise<LinkOut> => unwrap(await auth.GET("/api/auth/oidc/link")),
  });
}

/** Send the browser to the provider to sign in (or, signed in, to link the account). */
export async function goToProvider(purpose: "sign-in" | "link"): Promise<void> {
  const started =
    purpose === "sign-in"
      ? unwrap(await auth.POST("/api/auth/oidc/sign-in"))
      : unwrap(await auth.POST("/api/auth/oidc/link"));
  window.location.assign(started.authorization_url);
}

export async function unlink(): Promise<void> {
  unwrap(await auth.DELETE("/api/auth/oidc/link"));
}

/** The provider's answer as the callback page got it in its query; null when it has none. */
export function callbackFromQuery(search: string): CallbackIn | null {
  const query = new URLSearchParams(search);
  const state = query.get("state");
  const code = query.get("code");
  const error = query.get("error");
  if (!state || (code === null) === (error === null)) return null;
  const answer: CallbackIn = { state };
  if (code !== null) answer.code = code;
  if (error !== null) answer.error = error;
  const iss = query.get("iss");
  if (iss !== null) answer.iss = iss;
  return answer;
}

// One post per state: the state is single-use, and a second render (React's strict mode,
// a re-mount) must get the first answer rather than spend nothing and fail.
const completions = new Map<string, Promise<CallbackOut>>();

export function complete(answer: CallbackIn): Promise<CallbackOut> {
  let pending = completions.get(answer.state);
  if (!pending) {
    pending = (async () =>
      unwrap(await auth.POST("/api/auth/oidc/callback", { body: answer })))();
    completions.set(answer.state, pending);
  }
  return pending;
}
