"""Sign-in through an external OpenID Connect provider, against a real one: npm's
`oidc-provider` run by Node.js (tests/auth/oidc_provider), its login and consent pages
driven as a browser would. An adult links their account to their subject there once,
then signs in there; students cannot link; everything the provider sends back is checked
(state bound to the browser and single-use, the code once, the nonce, the subject)."""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from auth_testkit import RecordingSleeper, Schools, count, outbox_envelopes
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy import text

from auth import sessions
from auth.api import get_clock, get_sleeper
from auth.main import create_app
from auth.oidc.provider import InvalidIdToken, Provider
from auth.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from tests.auth.oidc_provider.local_provider import (
    LocalProvider,
    running_provider,
    sign_in_at_provider,
)

REDIRECT_URI = "https://test/signin/external"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with running_provider((REDIRECT_URI,)) as running:
        yield running


@pytest.fixture
def client_base_url() -> str:
    # https: the browser cookie of a flow is Secure, as in production.
    return "https://test"


@pytest.fixture
def settings(service_db: Database, provider: LocalProvider) -> Settings:
    return Settings(
        database_url=service_db.url,
        revocation_refresh_interval=0,
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_redirect_uri=REDIRECT_URI,
    )


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def subject() -> str:
    return f"esia-{uuid.uuid4().hex[:12]}"


def returned(url: str) -> dict[str, str]:
    """The callback page's query, as the web client posts it."""
    query = parse_qs(urlsplit(url).query)
    return {key: values[0] for key, values in query.items()}


async def start(client: httpx.AsyncClient, path: str, **kwargs: Any) -> str:
    response = await client.post(f"/api/auth/oidc/{path}", **kwargs)
    assert response.status_code == 200, response.text
    url: str = response.json()["authorization_url"]
    return url


async def at_provider(
    client: httpx.AsyncClient, path: str, sub: str, **kwargs: Any
) -> dict[str, str]:
    """Start a flow, sign in at the provider as `sub`; what it sends the browser back with."""
    url = await start(client, path, **kwargs)
    return returned(await sign_in_at_provider(url, sub, redirect_uri=REDIRECT_URI))


async def link(client: httpx.AsyncClient, tokens: dict[str, Any], sub: str) -> httpx.Response:
    answer = await at_provider(client, "link", sub, headers=bearer(tokens))
    return await client.post("/api/auth/oidc/callback", json=answer)


async def sign_in(client: httpx.AsyncClient, sub: str) -> httpx.Response:
    answer = await at_provider(client, "sign-in", sub)
    return await client.post("/api/auth/oidc/callback", json=answer)


@pytest.fixture
async def other_browser(app: FastAPI, client_base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser (its own cookies) on the same server."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=client_base_url) as c:
        yield c


async def parent(schools: Schools) -> tuple[Any, dict[str, Any]]:
    school = await schools.school()
    child = await schools.student(school)
    account = await schools.credentials(school, await schools.guardian(school, child), "parent")
    return account, await schools.login(account.login)


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    kind: str = response.json()["type"]
    return kind.rsplit(":", 1)[-1]


# --- the whole flow ---------------------------------------------------------------------


async def test_the_provider_is_offered_by_name(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/oidc")

    assert response.json() == {"configured": True, "name": "Госуслуги"}


async def test_the_authorization_request_is_a_code_flow_with_pkce_state_and_nonce(
    client: httpx.AsyncClient, provider: LocalProvider
) -> None:
    url = await start(client, "sign-in")

    query = returned(url)
    assert url.startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == provider.client_id
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    cookie = client.cookies.get("oidc_browser")
    assert cookie is not None and query["state"] not in cookie


async def test_a_parent_links_once_then_signs_in_through_the_provider(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    account, tokens = await parent(schools)
    sub = subject()

    linked = await link(client, tokens, sub)

    assert linked.status_code == 200, linked.text
    assert linked.json()["outcome"] == "linked"
    state = await client.get("/api/auth/oidc/link", headers=bearer(tokens))
    assert state.json()["linked"] is True and state.json()["may_link"] is True

    # Later, in another browser: signed in at the provider, signed in here.
    signed_in = await sign_in(other_browser, sub)

    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["outcome"] == "signed_in"
    new_tokens = body["tokens"]
    me = await other_browser.get("/api/auth/me", headers=bearer(new_tokens))
    assert me.json()["account_id"] == str(account.account_id)
    listed = await other_browser.get("/api/auth/sessions", headers=bearer(new_tokens))
    current = [s for s in listed.json()["sessions"] if s["current"]]
    assert [s["id"] for s in current] == [new_tokens["session_id"]]
    refreshed = await other_browser.post(
        "/api/auth/token/refresh", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    # Published and recorded like a password sign-in, the link too; no subject anywhere.
    events = await outbox_envelopes(db)
    kinds = [e["type"] for e in events]
    assert "auth.external_identity.linked.v1" in kinds
    assert kinds.count("auth.session.logged_in.v1") == 2  # the password, then the provider
    assert all(sub not in str(e) for e in events)
    assert (
        await count(
            db,
            "SELECT count(*) FROM login_audit WHERE account_id = :a AND succeeded",
            a=account.account_id,
        )
        == 2
    )
    trail = await count(
        db,
        "SELECT count(*) FROM audit_trail WHERE account_id = :a AND action = 'identity.linked' "
        "AND detail::text NOT LIKE :sub",
        a=account.account_id,
        sub=f"%{sub}%",
    )
    assert trail == 1


async def test_staff_link_and_sign_in_with_their_roles(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher", "class_teacher")
    sub = subject()
    assert (await link(client, await schools.login(teacher.login), sub)).status_code == 200

    signed_in = await sign_in(client, sub)

    me = await client.get("/api/auth/me", headers=bearer(signed_in.json()["tokens"]))
    assert me.json()["roles"] == ["class_teacher", "teacher"]
    assert me.json()["school"]["id"] == str(school.id)


async def test_each_school_s_adult_signs_in_to_their_own_account(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    first, first_tokens = await parent(schools)
    second, second_tokens = await parent(schools)
    first_sub, second_sub = subject(), subject()
    assert (await link(client, first_tokens, first_sub)).status_code == 200

    # The second school's parent sees no link of the first's, and makes their own.
    seen = await client.get("/api/auth/oidc/link", headers=bearer(second_tokens))
    assert seen.json()["linked"] is False
    assert (await link(client, second_tokens, second_sub)).status_code == 200

    for account, sub in ((first, first_sub), (second, second_sub)):
        tokens = (await sign_in(client, sub)).json()["tokens"]
        me = await client.get("/api/auth/me", headers=bearer(tokens))
        assert me.json()["account_id"] == str(account.account_id)


# --- who may link, and how often --------------------------------------------------------


async def test_a_student_is_refused_linking(client: httpx.AsyncClient, schools: Schools) -> None:
    school = await schools.school()
    student = await schools.credentials(school, await schools.student(school), "student")
    tokens = await schools.login(student.login)

    refused = await client.post("/api/auth/oidc/link", headers=bearer(tokens))
    state = await client.get("/api/auth/oidc/link", headers=bearer(tokens))

    assert refused.status_code == 403
    assert problem_type(refused) == "oidc-link-not-allowed"
    assert state.json() == {
        "provider_name": "Госуслуги",
        "may_link": False,
        "linked": False,
        "linked_at": None,
    }


async def test_a_student_s_flow_completed_anyway_links_nothing(
    client: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    """The callback checks the account again: a link flow recorded for a student's
    account (written straight into the table here) links nothing."""
    school = await schools.school()
    student = await schools.credentials(school, await schools.student(school), "student")
    _, tokens = await parent(schools)
    answer = await at_provider(client, "link", subject(), headers=bearer(tokens))
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE oidc_flows SET account_id = :a"), {"a": student.account_id}
        )

    refused = await client.post("/api/auth/oidc/callback", json=answer)

    assert refused.status_code == 403
    assert problem_type(refused) == "oidc-link-not-allowed"
    assert await count(db, "SELECT count(*) FROM external_identities") == 0


async def test_one_subject_links_to_one_account_and_an_account_to_one_subject(
    client: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    _, first = await parent(schools)
    _, second = await parent(schools)
    sub = subject()
    assert (await link(client, first, sub)).status_code == 200

    taken = await link(client, second, sub)
    again = await client.post("/api/auth/oidc/link", headers=bearer(first))

    assert taken.status_code == 409 and problem_type(taken) == "oidc-subject-linked"
    assert again.status_code == 409 and problem_type(again) == "oidc-already-linked"
    assert await count(db, "SELECT count(*) FROM external_identities") == 1


async def test_unlinking_ends_sign_in_through_the_provider(
    client: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    account, tokens = await parent(schools)
    sub = subject()
    assert (await link(client, tokens, sub)).status_code == 200

    unlinked = await client.delete("/api/auth/oidc/link", headers=bearer(tokens))
    twice = await client.delete("/api/auth/oidc/link", headers=bearer(tokens))
    refused = await sign_in(client, sub)

    assert unlinked.status_code == 204
    assert twice.status_code == 404
    assert refused.status_code == 403 and problem_type(refused) == "oidc-not-linked"
    kinds = [e["type"] for e in await outbox_envelopes(db)]
    assert kinds.count("auth.external_identity.unlinked.v1") == 1
    assert (
        await count(
            db,
            "SELECT count(*) FROM audit_trail WHERE account_id = :a AND action = "
            "'identity.unlinked'",
            a=account.account_id,
        )
        == 1
    )
    # Linked again afterwards, to the same subject.
    assert (await link(client, tokens, sub)).status_code == 200


# --- sign-in refused ----------------------------------------------------------------------


async def test_an_unknown_subject_is_told_to_link_first(
    client: httpx.AsyncClient, db: Database
) -> None:
    refused = await sign_in(client, subject())

    assert refused.status_code == 403
    assert problem_type(refused) == "oidc-not-linked"
    assert "link" in refused.json()["detail"]
    assert await count(db, "SELECT count(*) FROM sessions") == 0
    assert await count(db, "SELECT count(*) FROM login_audit WHERE NOT succeeded") == 1


async def test_a_disabled_account_is_refused(
    client: httpx.AsyncClient, schools: Schools, settings: Settings, db: Database
) -> None:
    account, tokens = await parent(schools)
    sub = subject()
    assert (await link(client, tokens, sub)).status_code == 200
    async with db.transaction() as session:
        await sessions.disable_account(session, settings, account.account_id)
    before = await count(db, "SELECT count(*) FROM sessions")

    refused = await sign_in(client, sub)

    assert refused.status_code == 403 and problem_type(refused) == "account-disabled"
    assert await count(db, "SELECT count(*) FROM sessions") == before
    kinds = [e["type"] for e in await outbox_envelopes(db)]
    assert "auth.session.sign_in_failed.v1" in kinds


# --- what comes back from the provider is checked -------------------------------------


async def test_an_unknown_state_is_refused(client: httpx.AsyncClient) -> None:
    answer = await at_provider(client, "sign-in", subject())

    refused = await client.post("/api/auth/oidc/callback", json=answer | {"state": "x" * 43})

    assert refused.status_code == 400 and problem_type(refused) == "oidc-invalid-state"


async def test_a_state_from_another_browser_is_refused_and_spent(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient, schools: Schools
) -> None:
    """A victim lured to complete the attacker's sign-in (login CSRF) is refused: the
    state belongs to the browser that started it, and is spent by the first try."""
    _, tokens = await parent(schools)
    sub = subject()
    assert (await link(client, tokens, sub)).status_code == 200
    answer = await at_provider(client, "sign-in", sub)

    elsewhere = await other_browser.post("/api/auth/oidc/callback", json=answer)
    then_here = await client.post("/api/auth/oidc/callback", json=answer)

    assert elsewhere.status_code == 400 and problem_type(elsewhere) == "oidc-invalid-state"
    assert then_here.status_code == 400 and problem_type(then_here) == "oidc-invalid-state"


async def test_an_expired_flow_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    answer = await at_provider(client, "sign-in", subject())
    async with db.transaction() as session:
        await session.execute(text("UPDATE oidc_flows SET expires_at = now() - interval '1 s'"))

    refused = await client.post("/api/auth/oidc/callback", json=answer)

    assert refused.status_code == 400 and problem_type(refused) == "oidc-invalid-state"


async def test_a_replayed_code_is_refused(client: httpx.AsyncClient, schools: Schools) -> None:
    _, tokens = await parent(schools)
    sub = subject()
    assert (await link(client, tokens, sub)).status_code == 200
    answer = await at_provider(client, "sign-in", sub)
    assert (await client.post("/api/auth/oidc/callback", json=answer)).status_code == 200

    same_again = await client.post("/api/auth/oidc/callback", json=answer)
    # With a fresh state of a new flow: the provider itself refuses the spent code.
    fresh = returned(await start(client, "sign-in"))
    with_new_state = await client.post(
        "/api/auth/oidc/callback", json={"code": answer["code"], "state": fresh["state"]}
    )

    assert same_again.status_code == 400 and problem_type(same_again) == "oidc-invalid-state"
    assert with_new_state.status_code == 400
    assert problem_type(with_new_state) == "oidc-code-rejected"


async def test_a_code_of_another_flow_is_refused_by_its_pkce_verifier(
    client: httpx.AsyncClient,
) -> None:
    first = await at_provider(client, "sign-in", subject())
    second = await at_provider(client, "sign-in", subject())

    crossed = await client.post(
        "/api/auth/oidc/callback", json={"code": first["code"], "state": second["state"]}
    )

    assert crossed.status_code == 400 and problem_type(crossed) == "oidc-code-rejected"


async def test_an_id_token_with_another_nonce_is_refused(
    client: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    _, tokens = await parent(schools)
    sub = subject()
    assert (await link(client, tokens, sub)).status_code == 200
    answer = await at_provider(client, "sign-in", sub)
    before = await count(db, "SELECT count(*) FROM sessions")
    async with db.transaction() as session:
        await session.execute(text("UPDATE oidc_flows SET nonce = 'not-the-one-sent'"))

    refused = await client.post("/api/auth/oidc/callback", json=answer)

    assert refused.status_code == 400 and problem_type(refused) == "oidc-invalid-id-token"
    assert await count(db, "SELECT count(*) FROM sessions") == before


async def test_a_provider_error_ends_the_flow(client: httpx.AsyncClient, db: Database) -> None:
    state = returned(await start(client, "sign-in"))["state"]

    denied = await client.post(
        "/api/auth/oidc/callback",
        json={"state": state, "error": "access_denied", "error_description": "User declined"},
    )

    assert denied.status_code == 400 and problem_type(denied) == "oidc-denied"
    assert await count(db, "SELECT count(*) FROM oidc_flows") == 0


async def test_an_answer_naming_another_issuer_is_refused(client: httpx.AsyncClient) -> None:
    answer = await at_provider(client, "sign-in", subject())

    refused = await client.post(
        "/api/auth/oidc/callback", json=answer | {"iss": "https://attacker.example"}
    )

    assert refused.status_code == 400 and problem_type(refused) == "oidc-denied"


# --- bad input, wrong callers, the feature off -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"state": "a" * 43},  # neither code nor error
        {"state": "a" * 43, "code": "c", "error": "access_denied"},  # both
        {"state": "short", "code": "c"},
        {"state": "a" * 43 + "!", "code": "c"},
        {"state": "a" * 43, "code": "has space"},
        {"state": "a" * 43, "code": "c" * 2049},
        {"state": "a" * 43, "code": "c", "extra": 1},
        {"state": "a" * 43, "code": 5},
        {"state": "a" * 43, "error": "nul\x00"},
        [],
    ],
)
async def test_a_malformed_callback_is_refused_and_spends_nothing(
    client: httpx.AsyncClient, db: Database, body: Any
) -> None:
    await start(client, "sign-in")

    refused = await client.post("/api/auth/oidc/callback", json=body)

    assert refused.status_code == 422, refused.text
    assert await count(db, "SELECT count(*) FROM oidc_flows") == 1


async def test_a_callback_that_is_not_json_is_refused(client: httpx.AsyncClient) -> None:
    refused = await client.post(
        "/api/auth/oidc/callback",
        content="state=x&code=y",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert refused.status_code in (415, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/auth/oidc/link"),
        ("GET", "/api/auth/oidc/link"),
        ("DELETE", "/api/auth/oidc/link"),
    ],
)
async def test_link_endpoints_need_a_signed_in_user(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    anonymous = await client.request(method, path)
    forged = await client.request(method, path, headers={"Authorization": "Bearer not.a.token"})

    assert anonymous.status_code == 401
    assert forged.status_code == 401


async def test_a_disabled_caller_cannot_start_a_link(
    client: httpx.AsyncClient, schools: Schools, settings: Settings, db: Database
) -> None:
    account, tokens = await parent(schools)
    async with db.transaction() as session:
        await sessions.disable_account(session, settings, account.account_id)

    refused = await client.post("/api/auth/oidc/link", headers=bearer(tokens))

    assert refused.status_code == 401
    assert await count(db, "SELECT count(*) FROM oidc_flows") == 0


async def test_without_a_provider_the_feature_is_off(
    db: Database, service_db: Database, sleeper: RecordingSleeper, schools: Schools
) -> None:
    bus = InProcessBus(InProcessBroker())
    app = create_app(Settings(database_url=service_db.url), bus=bus)
    app.state.db = db
    app.state.bus = bus
    app.dependency_overrides[get_sleeper] = lambda: sleeper
    app.dependency_overrides[get_clock] = lambda: sleeper.now
    _, tokens = await parent(schools)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://test"
    ) as off:
        status = await off.get("/api/auth/oidc")
        answers = [
            await off.post("/api/auth/oidc/sign-in"),
            await off.post("/api/auth/oidc/link", headers=bearer(tokens)),
            await off.get("/api/auth/oidc/link", headers=bearer(tokens)),
            await off.delete("/api/auth/oidc/link", headers=bearer(tokens)),
            await off.post("/api/auth/oidc/callback", json={"state": "a" * 43, "code": "c"}),
        ]

    assert status.json() == {"configured": False, "name": None}
    assert [a.status_code for a in answers] == [404] * 5
    assert {problem_type(a) for a in answers} == {"oidc-not-configured"}


# --- the ID token itself: signed by the provider's key, for us, for this flow -----------


async def real_id_token(
    client: httpx.AsyncClient, db: Database, provider: Provider, sub: str
) -> tuple[str, str]:
    """An ID token the provider really issued (and the flow's nonce), exchanged by hand."""
    answer = await at_provider(client, "sign-in", sub)
    async with db.transaction() as session:
        row = (await session.execute(text("SELECT code_verifier, nonce FROM oidc_flows"))).one()
    return await provider.exchange(answer["code"], row.code_verifier), row.nonce


def forged(claims: dict[str, Any], key: Any, algorithm: str, kid: str | None) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


async def test_the_id_token_is_verified_against_the_provider_s_keys(
    client: httpx.AsyncClient, db: Database, settings: Settings, provider: LocalProvider
) -> None:
    rp = Provider(settings)
    sub = subject()
    id_token, nonce = await real_id_token(client, db, rp, sub)
    claims = jwt.decode(id_token, options={"verify_signature": False})
    header = jwt.get_unverified_header(id_token)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    head, _, signature = id_token.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        json.dumps(claims | {"sub": "someone-else"}).encode()
    ).decode()

    assert (await rp.verify(id_token, nonce)).subject == sub
    refused = {
        "another nonce": (id_token, "another"),
        "for another client": None,
        "tampered payload": (f"{head}.{tampered_payload}.{signature}", nonce),
        "signed by another key": (forged(claims, other_key, "RS256", header["kid"]), nonce),
        "an unknown kid": (forged(claims, other_key, "RS256", "unknown"), nonce),
        "HS256 with the client secret": (
            forged(claims, provider.client_secret, "HS256", header["kid"]),
            nonce,
        ),
        "alg none": (jwt.encode(claims, None, algorithm="none"), nonce),
        "not a JWT": ("not.a.jwt", nonce),
    }
    for case, given in refused.items():
        verifier = rp
        if given is None:
            verifier = Provider(settings.model_copy(update={"oidc_client_id": "another-client"}))
            given = (id_token, nonce)
        with pytest.raises(InvalidIdToken):
            await verifier.verify(*given)
            pytest.fail(case)
