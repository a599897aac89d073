"""Sign-ins per second with p99 under 1 s: POST /api/auth/login with the right password,
each a different student or parent in turn, straight to auth's API process, against a
ceiling of bare argon2id verifications (the same parameters as auth's, on the same
cores: one worker process per core) at the same fixed arrival rates.

A sign-in is bound by its argon2id verification (19 MiB, two passes): what auth adds is
the attempt's turn taken and committed, the account read, the session, refresh token,
device token, audit row and outbox event written, and the token signed. It goes to auth's
own port, not through nginx: the gateway lets one address sign in 5 times a second (a
burst of 40), which a single load generator would measure instead of auth.
"""

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor

import argon2

from bench.figures import Figure, Profile
from bench.scenarios.common import Ceiling, rate_against_ceilings
from bench.stage import PASSWORD, Stage

P99_LIMIT_MS = 1000.0
START_RATE = 4.0  # sign-ins a second; a core verifies some 20-30 a second


def signers(stage: Stage) -> list[str]:
    """Every student and parent with a login (each signs in in turn, never two at once)."""
    logins: list[str] = []
    for school_class in stage.school.classes:
        for student in school_class.students:
            if student.login:
                logins.append(student.login)
            logins.extend(g.login for g in student.guardians if g.login)
    return list(dict.fromkeys(logins))


def _hasher() -> argon2.PasswordHasher:
    from auth.passwords import Passwords
    from auth.settings import Settings

    return Passwords.from_settings(Settings()).hasher


_worker_hasher: argon2.PasswordHasher | None = None


def _verify(password_hash: str) -> bool:
    global _worker_hasher
    if _worker_hasher is None:
        _worker_hasher = _hasher()
    return _worker_hasher.verify(password_hash, PASSWORD)


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    logins = signers(stage)
    if not logins:
        raise RuntimeError("no student or parent has a login on the stage")
    url = f"http://127.0.0.1:{stage.cluster.ports['auth']}/api/auth/login"

    async def sign_in(i: int) -> None:
        body = {"login": logins[i % len(logins)], "password": PASSWORD}
        async with stage.http.post(url, json=body) as response:
            answer = await response.read()
            if response.status != 200:
                raise RuntimeError(f"login answered {response.status}: {answer[:200]!r}")

    password_hash = _hasher().hash(PASSWORD)
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=cores) as pool:
        loop = asyncio.get_running_loop()
        # Each worker computes one hash first, so the search measures verifications only.
        await asyncio.gather(
            *(loop.run_in_executor(pool, _verify, password_hash) for _ in range(cores))
        )

        async def verify(i: int) -> None:
            if not await loop.run_in_executor(pool, _verify, password_hash):
                raise RuntimeError("the bare verification failed")

        return await rate_against_ceilings(
            stage,
            profile,
            "sign-in (POST /api/auth/login, argon2id, straight to auth)",
            ours=("sign-ins over HTTP", sign_in),
            ceilings=[
                Ceiling(
                    "bare argon2id",
                    f"bare argon2id verifications, {cores} worker processes (one per core)",
                    verify,
                    share=0.7,
                )
            ],
            p99_limit_ms=P99_LIMIT_MS,
            start_rate=START_RATE,
        )
