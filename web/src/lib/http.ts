// fetch for the API clients: the bearer token on every request, one silent refresh and a
// retry on 401, and the server's absence (no network, 502/503/504) reported to the shell.
import { accessTokenNow, refreshAccessToken, ServerAway, SessionEnded } from "./session";

type Listener = (away: boolean) => void;
const listeners = new Set<Listener>();
let away = false;

export function serverAway(): boolean {
  return away;
}

export function onServerAway(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setAway(value: boolean): void {
  if (away === value) return;
  away = value;
  for (const listener of listeners) listener(value);
}

const AWAY_STATUSES = new Set([502, 503, 504]);

async function send(request: Request, token: string | null): Promise<Response> {
  const attempt = request.clone();
  if (token) attempt.headers.set("authorization", `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(attempt);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    setAway(true);
    throw new ServerAway(null);
  }
  if (AWAY_STATUSES.has(response.status)) {
    setAway(true);
    throw new ServerAway(response.status);
  }
  setAway(false);
  return response;
}

async function refreshed(): Promise<string | null> {
  try {
    return await refreshAccessToken(fetch);
  } catch (error) {
    if (error instanceof ServerAway) setAway(true);
    throw error instanceof ServerAway ? error : new ServerAway(null);
  }
}

export async function authFetch(input: Request): Promise<Response> {
  let token = accessTokenNow() ?? (await refreshed());
  const response = await send(input, token);
  if (response.status !== 401) return response;
  token = await refreshed();
  if (!token) throw new SessionEnded();
  const again = await send(input, token);
  if (again.status === 401) throw new SessionEnded();
  return again;
}
