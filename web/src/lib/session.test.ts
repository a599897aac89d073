import { beforeEach, describe, expect, it, vi } from "vitest";
import { accessTokenNow, endSession, refreshAccessToken, refreshToken, startSession } from "./session";

function tokens(n: number) {
  return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: 900 };
}

describe("the session's silent refresh", () => {
  beforeEach(() => endSession());

  it("refreshes once for many callers at the same time and rotates the refresh token", async () => {
    startSession(tokens(1));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetcher = vi.fn(async () => {
      await gate;
      return new Response(JSON.stringify(tokens(2)), { status: 200 });
    });

    const callers = [1, 2, 3].map(() => refreshAccessToken(fetcher as typeof fetch));
    release();

    expect(await Promise.all(callers)).toEqual(["access-2", "access-2", "access-2"]);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(refreshToken()).toBe("refresh-2");
    expect(window.sessionStorage.getItem("school.refresh")).toBe("refresh-2");
  });

  it("ends the session when the refresh token is refused", async () => {
    startSession(tokens(1));
    const fetcher = vi.fn(async () => new Response("{}", { status: 401 }));

    expect(await refreshAccessToken(fetcher as typeof fetch)).toBeNull();
    expect(refreshToken()).toBeNull();
    expect(accessTokenNow()).toBeNull();
  });

  it("keeps the session when the server is away, to try again later", async () => {
    startSession(tokens(1));
    const fetcher = vi.fn(async () => new Response("{}", { status: 503 }));

    await expect(refreshAccessToken(fetcher as typeof fetch)).rejects.toThrow("server away");
    expect(refreshToken()).toBe("refresh-1");
  });
});
