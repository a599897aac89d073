// The session: the access token in memory only, the rotating refresh token in
// sessionStorage (it survives a reload, offline too, but not closing the tab; see
// docs/web.md for the trade-off). Parallel requests that meet an expired access token
// refresh it once (single flight): the refresh token rotates, so a second refresh with the
// same token would be a reuse and end the session.

const REFRESH_KEY = "school.refresh";

export type Tokens = { access_token: string; refresh_token: string; expires_in: number };

type Listener = () => void;

let accessToken: string | null = null;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the session lasts as long as the page
  }
}

let memoryRefresh: string | null = null;

export function refreshToken(): string | null {
  return storage()?.getItem(REFRESH_KEY) ?? memoryRefresh;
}

export function accessTokenNow(): string | null {
  return accessToken;
}

export function hasSession(): boolean {
  return accessToken !== null || refreshToken() !== null;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  for (const listener of listeners) listener();
}

export function startSession(tokens: Tokens): void {
  accessToken = tokens.access_token;
  memoryRefresh = tokens.refresh_token;
  storage()?.setItem(REFRESH_KEY, tokens.refresh_token);
  changed();
}

export function endSession(): void {
  accessToken = null;
  memoryRefresh = null;
  storage()?.removeItem(REFRESH_KEY);
  changed();
}

/** Thrown when the session is over (the refresh token was refused): sign in again. */
export class SessionEnded extends Error {
  constructor() {
    super("session ended");
  }
}

/** A fresh access token from the refresh token; one refresh at a time for all callers.
 * Resolves to null when there is no session or the server refused it (the session is then
 * ended); rejects with the network's error when the server cannot be reached (the session
 * is kept: the refresh can be tried again). */
export function refreshAccessToken(fetcher: typeof fetch = fetch): Promise<string | null> {
  if (refreshing) return refreshing;
  const token = refreshToken();
  if (!token) return Promise.resolve(null);
  refreshing = (async () => {
    try {
      const response = await fetcher("/api/auth/token/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (response.ok) {
        startSession((await response.json()) as Tokens);
        return accessToken;
      }
      if (response.status >= 500) throw new ServerAway(response.status);
      endSession();
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The server cannot be reached, or answered that it is away (502, 503, 504). */
export class ServerAway extends Error {
  constructor(public status: number | null) {
    super(status === null ? "network error" : `server away (${status})`);
  }
}
