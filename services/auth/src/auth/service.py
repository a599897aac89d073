"""Use cases of auth: schools, staff and credentials, logins and sessions, the roster.

Functions take the caller's session, change state, stage events, and never commit.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from pydantic import ValidationError
from sqlalchemy import Table, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import (
    Account,
    AccountRole,
    Base,
    Guardianship,
    LoginAudit,
    LoginFailure,
    RosterPerson,
    School,
)
from auth.passwords import Passwords, login_digest, normalize_login, progressive_delay
from auth.schemas import (
    AccountKind,
    CredentialsIssue,
    CredentialsOut,
    MeOut,
    SchoolOut,
    SchoolProvisioning,
    StaffCreate,
    StaffOut,
)
from auth.settings import Settings
from auth.tokens import Claims, TokenIssuer, TokenPair, find_refresh_token, revoke_family
from shared.bulk import insert_new, upsert_newer
from shared.contracts.auth import (
    CredentialsIssued,
    SchoolRegistered,
    StaffAccountCreated,
    UserLoggedIn,
)
from shared.errors import Conflict, NotFound, Problem, Unauthenticated
from shared.outbox import add_event

log = logging.getLogger(__name__)

ROSTER_KIND = {"student": "student", "parent": "guardian"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _login_taken() -> Conflict:
    return Conflict("login-taken", "This login is already in use.")


def _credentials_exist() -> Conflict:
    return Conflict("credentials-exist", "This person already has an account.")


# --- schools and accounts -------------------------------------------------------------


async def provision_school(
    session: AsyncSession,
    *,
    name: str,
    timezone: str,
    admin_login: str,
    admin_password: str,
    admin_last_name: str,
    admin_first_name: str,
    admin_middle_name: str | None = None,
    passwords: Passwords | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Register a school with its first system administrator; returns (school, account) ids."""
    try:
        data = SchoolProvisioning(
            name=name,
            timezone=timezone,
            admin_login=admin_login,
            admin_password=admin_password,
            admin_last_name=admin_last_name,
            admin_first_name=admin_first_name,
            admin_middle_name=admin_middle_name,
        )
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        raise Problem(
            422,
            "validation-error",
            "Invalid school provisioning",
            "Invalid fields: " + ", ".join(fields) + ".",
            fields=fields,
        ) from exc
    hasher = passwords or Passwords.from_settings(Settings())
    school = School(id=uuid.uuid4(), name=data.name, timezone=data.timezone)
    session.add(school)
    await session.flush()
    await add_event(
        session,
        SchoolRegistered(
            school_id=school.id,
            name=school.name,
            timezone=school.timezone,
        ),
    )
    admin = await create_staff(
        session,
        hasher,
        school_id=school.id,
        data=StaffCreate(
            login=data.admin_login,
            password=data.admin_password,
            last_name=data.admin_last_name,
            first_name=data.admin_first_name,
            middle_name=data.admin_middle_name,
            roles=["sysadmin"],
        ),
    )
    return school.id, admin.account_id


async def _ensure_login_free(session: AsyncSession, login: str) -> None:
    taken = await session.scalar(
        select(Account.id).where(func.lower(Account.login) == normalize_login(login))
    )
    if taken is not None:
        raise _login_taken()


async def _add_account(session: AsyncSession, account: Account, roles: Sequence[str]) -> None:
    """Insert an account with its roles; a concurrent duplicate becomes a 409, not a 500."""
    try:
        async with session.begin_nested():
            session.add(account)
            await session.flush()
            session.add_all(
                AccountRole(account_id=account.id, role=role, school_id=account.school_id)
                for role in roles
            )
            await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "uq_accounts_person_id" in message:
            raise _credentials_exist() from exc
        if "uq_accounts_login_ci" in message:
            raise _login_taken() from exc
        raise


async def create_staff(
    session: AsyncSession, passwords: Passwords, *, school_id: uuid.UUID, data: StaffCreate
) -> StaffOut:
    """The system administrator creates a staff account with its roles."""
    if await session.get(School, school_id) is None:
        raise NotFound("school")
    await _ensure_login_free(session, data.login)
    account = Account(
        id=uuid.uuid4(),
        school_id=school_id,
        login=data.login,
        password_hash=await passwords.hash(data.password),
        kind="staff",
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
    )
    roles: list[str] = list(data.roles)
    await _add_account(session, account, roles)
    await add_event(
        session,
        StaffAccountCreated(
            school_id=school_id,
            account_id=account.id,
            last_name=data.last_name,
            first_name=data.first_name,
            middle_name=data.middle_name,
            roles=data.roles,
        ),
    )
    return StaffOut(
        account_id=account.id,
        school_id=school_id,
        login=account.login,
        roles=roles,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
    )


async def issue_credentials(
    session: AsyncSession, passwords: Passwords, *, school_id: uuid.UUID, data: CredentialsIssue
) -> CredentialsOut:
    """The deputy gives a student or a parent from the school's roster their login."""
    person = await session.get(RosterPerson, data.person_id)
    if person is None or person.school_id != school_id or person.kind != ROSTER_KIND[data.kind]:
        raise NotFound("person")
    existing = await session.scalar(select(Account.id).where(Account.person_id == data.person_id))
    if existing is not None:
        raise _credentials_exist()
    await _ensure_login_free(session, data.login)
    account = Account(
        id=uuid.uuid4(),
        school_id=school_id,
        login=data.login,
        password_hash=await passwords.hash(data.password),
        kind=data.kind,
        person_id=data.person_id,
    )
    await _add_account(session, account, [data.kind])
    await add_event(
        session,
        CredentialsIssued(
            school_id=school_id,
            account_id=account.id,
            person_id=data.person_id,
            kind=data.kind,
        ),
    )
    return CredentialsOut(
        account_id=account.id,
        school_id=school_id,
        person_id=data.person_id,
        kind=data.kind,
        login=account.login,
    )


async def _roles(session: AsyncSession, account_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(AccountRole.role)
        .where(AccountRole.account_id == account_id)
        .order_by(AccountRole.role)
    )
    return list(rows)


async def _children(session: AsyncSession, account: Account) -> list[uuid.UUID]:
    if account.kind != "parent" or account.person_id is None:
        return []
    rows = await session.scalars(
        select(Guardianship.student_id)
        .where(
            Guardianship.guardian_id == account.person_id,
            Guardianship.school_id == account.school_id,
            Guardianship.unlinked.is_(False),
        )
        .order_by(Guardianship.student_id)
    )
    return list(rows)


async def _claims(session: AsyncSession, account: Account) -> Claims:
    return Claims(
        account_id=account.id,
        school_id=account.school_id,
        roles=await _roles(session, account.id),
        person_id=account.person_id,
        children=await _children(session, account) if account.kind == "parent" else None,
    )


async def me(session: AsyncSession, account_id: uuid.UUID) -> MeOut:
    """The caller's own account, as auth holds it now."""
    account = await session.get(Account, account_id)
    if account is None or not account.is_active:
        raise Unauthenticated("The account no longer exists or is disabled.")
    school = await session.get(School, account.school_id)
    if school is None:
        raise NotFound("school")
    return MeOut(
        account_id=account.id,
        login=account.login,
        kind=cast(AccountKind, account.kind),
        school=SchoolOut(id=school.id, name=school.name, timezone=school.timezone),
        roles=await _roles(session, account.id),
        person_id=account.person_id,
        children=await _children(session, account),
        last_name=account.last_name,
        first_name=account.first_name,
        middle_name=account.middle_name,
    )


# --- logins and sessions --------------------------------------------------------------


def _failure_window_start(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.login_failure_window)


async def login_delay(
    session: AsyncSession, settings: Settings, login: str, now: datetime | None = None
) -> float:
    """Seconds to wait before checking this login's password (recent failures; any login)."""
    failures = await session.scalar(
        select(LoginFailure.failures).where(
            LoginFailure.login_digest == login_digest(login),
            LoginFailure.last_failed_at >= _failure_window_start(settings, now or _utcnow()),
        )
    )
    return progressive_delay(
        failures or 0,
        free_failures=settings.login_free_failures,
        max_delay=settings.login_max_delay,
    )


async def _record_failure(
    session: AsyncSession,
    settings: Settings,
    login: str,
    account: Account | None,
    now: datetime,
) -> None:
    statement = insert(LoginFailure).values(
        login_digest=login_digest(login),
        account_id=account.id if account else None,
        school_id=account.school_id if account else None,
        failures=1,
        last_failed_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginFailure.login_digest],
            set_={
                "failures": case(
                    (LoginFailure.last_failed_at < _failure_window_start(settings, now), 1),
                    else_=LoginFailure.failures + 1,
                ),
                "last_failed_at": now,
                "account_id": statement.excluded.account_id,
                "school_id": statement.excluded.school_id,
            },
        )
    )


async def login(
    session: AsyncSession,
    *,
    passwords: Passwords,
    issuer: TokenIssuer,
    settings: Settings,
    login: str,
    password: str,
    now: datetime | None = None,
) -> TokenPair | None:
    """Check a login and password; tokens on success, None (and a recorded failure) if not.

    An unknown login costs the same work as a wrong password: a verification against a
    dummy hash, a failure record and an audit row.
    """
    now = now or _utcnow()
    account = await session.scalar(
        select(Account).where(func.lower(Account.login) == normalize_login(login))
    )
    if account is None:
        await passwords.verify_dummy(password)
        verified = False
    else:
        verified = await passwords.verify(account.password_hash, password) and account.is_active
    if account is None or not verified:
        await _record_failure(session, settings, login, account, now)
        session.add(
            LoginAudit(
                account_id=account.id if account else None,
                school_id=account.school_id if account else None,
                succeeded=False,
                at=now,
            )
        )
        return None

    await session.execute(
        delete(LoginFailure).where(LoginFailure.login_digest == login_digest(login))
    )
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = await passwords.hash(password)
    session.add(
        LoginAudit(account_id=account.id, school_id=account.school_id, succeeded=True, at=now)
    )
    claims = await _claims(session, account)
    tokens = await issuer.pair(session, claims, now=now)
    await add_event(
        session,
        UserLoggedIn(
            school_id=account.school_id,
            account_id=account.id,
            roles=claims.roles,
        ),
    )
    return tokens


async def refresh(
    session: AsyncSession, issuer: TokenIssuer, token: str, now: datetime | None = None
) -> TokenPair | None:
    """Rotate a refresh token; a token used twice revokes its whole family (theft)."""
    now = now or _utcnow()
    stored = await find_refresh_token(session, token)
    if stored is None or stored.revoked_at is not None:
        return None
    if stored.used_at is not None:
        log.warning("refresh token reused: family revoked")
        await revoke_family(session, stored.family_id, now)
        return None
    if stored.expires_at <= now:
        return None
    account = await session.get(Account, stored.account_id)
    if account is None or not account.is_active:
        await revoke_family(session, stored.family_id, now)
        return None
    stored.used_at = now
    return await issuer.pair(
        session, await _claims(session, account), family_id=stored.family_id, now=now
    )


async def logout(session: AsyncSession, token: str, now: datetime | None = None) -> None:
    """End the session the refresh token belongs to (its whole family)."""
    stored = await find_refresh_token(session, token)
    if stored is not None:
        await revoke_family(session, stored.family_id, now or _utcnow())


# --- the roster, projected from journal -----------------------------------------------


RosterFact = tuple[uuid.UUID, uuid.UUID]  # (school, person)


async def record_students(session: AsyncSession, students: Iterable[RosterFact]) -> None:
    """Students are on their schools' rosters (enrolled); repeated facts change nothing."""
    await _record_people(session, students, kind="student")


GuardianshipFact = tuple[uuid.UUID, uuid.UUID, uuid.UUID, int]
"""(school, guardian, student, the link's version)."""


async def record_guardianships(session: AsyncSession, links: Iterable[GuardianshipFact]) -> None:
    """Guardians are linked to students; a link also proves the student is on the roster,
    so it holds whichever of enrolment and link arrives first. By version: a link older
    than the stored state (an unlink, or a newer link) changes nothing. One statement per
    table for all the links."""
    links = list(links)
    await _record_people(
        session, ((school, guardian) for school, guardian, _, _ in links), "guardian"
    )
    await _record_people(session, ((school, student) for school, _, student, _ in links), "student")
    await _record_guardianship_states(session, links, unlinked=False)


async def record_unlinkings(session: AsyncSession, links: Iterable[GuardianshipFact]) -> None:
    """Guardians are no longer linked to students: the link stays as a tombstone at its
    version, so the parent's token no longer names the child, and a link event older than
    the unlinking arriving late changes nothing (a relink, newer, does). The people stay
    on the roster: a guardian may have other children, and accounts are not taken away."""
    await _record_guardianship_states(session, list(links), unlinked=True)


async def _record_guardianship_states(
    session: AsyncSession, links: list[GuardianshipFact], *, unlinked: bool
) -> None:
    await upsert_newer(
        session,
        _table(Guardianship),
        ["guardian_id", "student_id"],
        [
            {
                "guardian_id": guardian,
                "student_id": student,
                "school_id": school,
                "version": version,
                "unlinked": unlinked,
            }
            for school, guardian, student, version in links
        ],
    )


async def _record_people(
    session: AsyncSession, people: Iterable[RosterFact], kind: Literal["student", "guardian"]
) -> None:
    await insert_new(
        session,
        _table(RosterPerson),
        ["person_id"],
        [
            {"person_id": person, "school_id": school, "kind": kind}
            for school, person in dict.fromkeys(people)
        ],
    )


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


async def record_student(
    session: AsyncSession, *, school_id: uuid.UUID, student_id: uuid.UUID
) -> None:
    """A student is on the school's roster (enrolled); repeated facts change nothing."""
    await record_students(session, [(school_id, student_id)])


async def record_guardianship(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    guardian_id: uuid.UUID,
    student_id: uuid.UUID,
    version: int = 1,
) -> None:
    """A guardian is linked to a student (see record_guardianships)."""
    await record_guardianships(session, [(school_id, guardian_id, student_id, version)])
