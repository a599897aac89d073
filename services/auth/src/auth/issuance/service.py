"""Issuing credentials as the regulation says.

The sysadmin creates staff accounts; the deputy issues credentials to the students and
parents on the school's roster (auth's projection of journal's events). An issued account
has no password: it holds a one-time activation code (stored as an argon2id hash, valid
`AUTH_ACTIVATION_CODE_TTL`), and its holder sets their own password with it at the first
sign-in. The same issuers reissue a code (the old one is revoked), reset a password (the
password is cleared, the sessions end, a new code is given) and disable an account.
Every such step is in the audit trail.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth import audit, roles, service, sessions
from auth.issuance.codes import new_code, normalize_code
from auth.issuance.logins import free_logins, login_base
from auth.issuance.schemas import AccountOut, PersonOnSlip
from auth.issuance.slips import Slip, slips_pdf
from auth.models import (
    Account,
    AccountPerson,
    AccountRole,
    ActivationCode,
    Guardianship,
    LoginAudit,
    RefreshToken,
    RosterPerson,
    School,
)
from auth.passwords import Passwords, normalize_login
from auth.schemas import (
    ActivationOut,
    CredentialsIssue,
    CredentialsOut,
    StaffCreate,
    StaffOut,
)
from auth.settings import Settings
from auth.tokens import TokenIssuer, TokenPair
from shared.contracts.auth import (
    AccountActivated,
    AccountDisabled,
    CredentialsIssued,
    StaffAccountCreated,
    UserLoggedIn,
)
from shared.errors import Conflict, Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

Kind = Literal["staff", "student", "parent"]
# Who issues, resets and disables the accounts of each kind (the regulation).
ISSUER_OF: dict[str, str] = {"staff": "sysadmin", "student": "deputy", "parent": "deputy"}
ROSTER_KIND = {"student": "student", "parent": "guardian"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def current_roles(session: AsyncSession, user: User) -> frozenset[str]:
    """The caller's roles as the database holds them now (a role taken away, or a disabled
    account, stops issuing at once rather than when the token expires)."""
    account = await session.get(Account, user.account_id)
    if account is None or not account.is_active or account.school_id != user.school_id:
        raise Forbidden("The account no longer exists or is disabled.")
    return frozenset(await roles.roles_of(session, account.id))


async def require_issuer(session: AsyncSession, user: User, kind: str) -> None:
    """403 unless the caller issues accounts of this kind."""
    if ISSUER_OF[kind] not in await current_roles(session, user):
        raise Forbidden(
            "Staff accounts are issued by the system administrator; students' and "
            "parents' by the deputy director."
        )


async def new_activation(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    account: Account,
    *,
    issued_by: uuid.UUID | None,
    now: datetime,
) -> ActivationOut:
    """A fresh code for the account; any code still live is revoked."""
    await session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.account_id == account.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    code = new_code()
    expires_at = now + timedelta(seconds=settings.activation_code_ttl)
    session.add(
        ActivationCode(
            id=uuid.uuid4(),
            account_id=account.id,
            school_id=account.school_id,
            code_hash=await passwords.hash(code),
            issued_by=issued_by,
            issued_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return ActivationOut(code=code, expires_at=expires_at)


async def _login_for(
    session: AsyncSession, login: str | None, names: tuple[str, str, str | None]
) -> str:
    if login is not None:
        taken = await session.scalar(
            select(Account.id).where(func.lower(Account.login) == normalize_login(login))
        )
        if taken is not None:
            raise service.login_taken()
        return login
    [made] = await free_logins(session, [login_base(*names)])
    return made


# --- staff ------------------------------------------------------------------------------


async def create_staff(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    *,
    school_id: uuid.UUID,
    data: StaffCreate,
    issued_by: uuid.UUID | None,
    password: str | None = None,
    now: datetime | None = None,
) -> StaffOut:
    """A staff account with its roles. Issued by the sysadmin (`issued_by`), each role as
    the grant table allows, it waits for activation with a code; with `password` (the
    school's provisioning, the demo seed) it is active at once."""
    now = now or _utcnow()
    if await session.get(School, school_id) is None:
        raise NotFound("school")
    if issued_by is not None:
        issuer = roles.Grantor(
            issued_by, school_id, frozenset(await roles.roles_of(session, issued_by))
        )
        for role in data.roles:
            if not await roles.may_grant(session, issuer, role):
                raise Forbidden(f"Your roles do not allow granting {role}.")
    login = await _login_for(
        session, data.login, (data.last_name, data.first_name, data.middle_name)
    )
    account = Account(
        id=uuid.uuid4(),
        school_id=school_id,
        login=login,
        password_hash=await passwords.hash(password) if password is not None else None,
        kind="staff",
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        version=1,
    )
    announce_to = [d for d in await roles.holders(session, school_id, "director") if d != issued_by]
    await service.add_account(session, account, list(data.roles))
    await add_event(
        session,
        StaffAccountCreated(
            school_id=school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            last_name=data.last_name,
            first_name=data.first_name,
            middle_name=data.middle_name,
            roles=data.roles,
        ),
    )
    audit.record(
        session,
        school_id=school_id,
        actor_id=issued_by,
        action="account.created",
        at=now,
        account_id=account.id,
        kind="staff",
    )
    for role in data.roles:
        if issued_by is not None and role in roles.ANNOUNCED:
            # The grant is in StaffAccountCreated too (same version); this announces it.
            await roles.add_role_granted(session, account, role, issued_by, announce_to, now)
        else:
            audit.record(
                session,
                school_id=school_id,
                actor_id=issued_by,
                action="role.granted",
                at=now,
                account_id=account.id,
                role=role,
            )
    activation = None
    if password is None:
        activation = await new_activation(
            session, passwords, settings, account, issued_by=issued_by, now=now
        )
        audit.record(
            session,
            school_id=school_id,
            actor_id=issued_by,
            action="code.issued",
            at=now,
            account_id=account.id,
        )
    return StaffOut(
        account_id=account.id,
        school_id=school_id,
        login=account.login,
        roles=list(data.roles),
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        activation=activation,
    )


# --- students and parents ---------------------------------------------------------------


async def _has_account(session: AsyncSession, person_id: uuid.UUID) -> bool:
    own = await session.scalar(select(Account.id).where(Account.person_id == person_id))
    attached = await session.get(AccountPerson, person_id)
    return own is not None or attached is not None


async def issue_credentials(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    *,
    school_id: uuid.UUID,
    data: CredentialsIssue,
    issued_by: uuid.UUID | None,
    password: str | None = None,
    now: datetime | None = None,
) -> CredentialsOut:
    """An account for a student or a parent on the school's roster (404 for anyone auth
    does not know of from journal, or of another school or kind)."""
    now = now or _utcnow()
    person = await session.get(RosterPerson, data.person_id)
    if person is None or person.school_id != school_id or person.kind != ROSTER_KIND[data.kind]:
        raise NotFound("person")
    if await _has_account(session, data.person_id):
        raise service.credentials_exist()
    names = (data.last_name or "", data.first_name or "", data.middle_name)
    login = await _login_for(session, data.login, names)
    account = Account(
        id=uuid.uuid4(),
        school_id=school_id,
        login=login,
        password_hash=await passwords.hash(password) if password is not None else None,
        kind=data.kind,
        person_id=data.person_id,
        version=1,
    )
    await service.add_account(session, account, [data.kind])
    await add_event(
        session,
        CredentialsIssued(
            school_id=school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            person_id=data.person_id,
            kind=data.kind,
        ),
    )
    audit.record(
        session,
        school_id=school_id,
        actor_id=issued_by,
        action="account.created",
        at=now,
        account_id=account.id,
        kind=data.kind,
    )
    activation = None
    if password is None:
        activation = await new_activation(
            session, passwords, settings, account, issued_by=issued_by, now=now
        )
        audit.record(
            session,
            school_id=school_id,
            actor_id=issued_by,
            action="code.issued",
            at=now,
            account_id=account.id,
        )
    return CredentialsOut(
        account_id=account.id,
        school_id=school_id,
        person_id=data.person_id,
        kind=data.kind,
        login=account.login,
        activation=activation,
    )


# --- reissue, reset, disable ------------------------------------------------------------


async def _issued_account(session: AsyncSession, user: User, account_id: uuid.UUID) -> Account:
    """An account of the caller's school that the caller issues (404 elsewhere, 403 for
    an account of a kind they do not issue), locked for the change."""
    account = await session.scalar(
        select(Account).where(Account.id == account_id).with_for_update()
    )
    if account is None or account.school_id != user.school_id:
        raise NotFound("account")
    await require_issuer(session, user, account.kind)
    return account


async def end_sessions(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> None:
    """Revoke every refresh token of the account."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


@dataclass(frozen=True)
class Reissued:
    account: Account
    activation: ActivationOut


async def reissue(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    user: User,
    account_id: uuid.UUID,
    now: datetime | None = None,
) -> Reissued:
    """A new activation code. For an account not yet activated it replaces the old code;
    for an active one it is a password reset: the password is cleared and the account's
    sessions end, so only the new code opens it."""
    now = now or _utcnow()
    account = await _issued_account(session, user, account_id)
    if not account.is_active:
        raise Conflict("account-disabled", "The account is disabled.")
    if account.password_hash is not None:
        account.password_hash = None
        await end_sessions(session, account.id, now)
        action: audit.Action = "password.reset"
    else:
        action = "code.issued"
    activation = await new_activation(
        session, passwords, settings, account, issued_by=user.account_id, now=now
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=user.account_id,
        action=action,
        at=now,
        account_id=account.id,
    )
    return Reissued(account, activation)


async def disable(
    session: AsyncSession, user: User, account_id: uuid.UUID, now: datetime | None = None
) -> None:
    """Disable an account: no sign-in, no refresh, its codes void; published once."""
    now = now or _utcnow()
    account = await _issued_account(session, user, account_id)
    if account.id == user.account_id:
        raise Conflict("cannot-disable-self", "An issuer does not disable their own account.")
    if not account.is_active:
        return
    account.is_active = False
    account.version += 1
    await end_sessions(session, account.id, now)
    expire_by = await sessions.end_for_disabled_account(session, account.id, now)
    await _void_codes(session, account.id, now)
    await add_event(
        session,
        AccountDisabled(
            school_id=account.school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            disabled_by=user.account_id,
            disabled_at=now,
            tokens_expire_by=expire_by,
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=user.account_id,
        action="account.disabled",
        at=now,
        account_id=account.id,
    )


async def _void_codes(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.account_id == account_id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


# --- activation -------------------------------------------------------------------------


async def _checked_code(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    login: str,
    code: str,
    now: datetime,
) -> tuple[Account, ActivationCode] | None:
    """The account and its live code when the code is right; None otherwise, after the
    same work (one argon2 verification). A wrong code counts against it; at
    `AUTH_ACTIVATION_MAX_ATTEMPTS` wrong tries it is void (the issuer gives a new one)."""
    account = await session.scalar(
        select(Account).where(func.lower(Account.login) == normalize_login(login))
    )
    live = None
    if account is not None and account.is_active:
        live = await session.scalar(
            select(ActivationCode)
            .where(
                ActivationCode.account_id == account.id,
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
                ActivationCode.expires_at > now,
            )
            .with_for_update()
        )
    if account is None or live is None:
        await passwords.verify_dummy(code)
        return None
    if not await passwords.verify(live.code_hash, normalize_code(code)):
        live.failed_attempts += 1
        if live.failed_attempts >= settings.activation_max_attempts:
            live.revoked_at = now
        return None
    return account, live


async def activate(
    session: AsyncSession,
    *,
    passwords: Passwords,
    issuer: TokenIssuer,
    settings: Settings,
    login: str,
    code: str,
    new_password: str,
    client: str | None = None,
    now: datetime | None = None,
) -> TokenPair | None:
    """The first sign-in (or the one after a reset): the code is spent, the person's own
    password set, and they are signed in (`client`: the User-Agent, for the sessions
    list). None for a wrong login or code (the caller commits, so a wrong try counts)."""
    now = now or _utcnow()
    checked = await _checked_code(session, passwords, settings, login, code, now)
    if checked is None:
        return None
    account, live = checked
    live.used_at = now
    account.password_hash = await passwords.hash(new_password)
    account.version += 1
    await add_event(
        session,
        AccountActivated(
            school_id=account.school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            kind=cast(Kind, account.kind),
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=account.id,
        action="account.activated",
        at=now,
        account_id=account.id,
    )
    session.add(
        LoginAudit(account_id=account.id, school_id=account.school_id, succeeded=True, at=now)
    )
    # A session like any sign-in's: its sid in the tokens, refreshable, revocable.
    opened = await sessions.open_session(
        session, settings, account, audience=None, client=client, now=now
    )
    claims = sessions.with_session(await service.claims_of(session, account), opened)
    tokens = await issuer.pair(session, claims, now=now)
    await add_event(
        session,
        UserLoggedIn(
            school_id=account.school_id,
            occurred_at=now,
            account_id=account.id,
            roles=claims.roles,
        ),
    )
    return tokens


async def attach_guardian(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    user: User,
    *,
    login: str,
    code: str,
    now: datetime | None = None,
) -> list[uuid.UUID] | None:
    """A signed-in parent takes over the guardian record of another school's slip: the
    code proves it is theirs, that school's pending account is closed, and the record's
    children join the parent's. Answers the parent's children now; None for a wrong login
    or code (the caller commits, so the wrong try counts)."""
    now = now or _utcnow()
    parent = await session.get(Account, user.account_id)
    if parent is None or not parent.is_active or parent.kind != "parent":
        raise Forbidden("Only a parent's account takes another school's guardian record.")
    checked = await _checked_code(session, passwords, settings, login, code, now)
    if checked is None:
        return None
    pending, live = checked
    if pending.kind != "parent" or pending.password_hash is not None or pending.id == parent.id:
        raise Conflict(
            "not-attachable",
            "Only the slip of a parent's account not yet activated can be attached.",
        )
    person_id = cast(uuid.UUID, pending.person_id)
    live.used_at = now
    await session.flush()
    await session.execute(delete(Account).where(Account.id == pending.id))
    session.add(
        AccountPerson(person_id=person_id, account_id=parent.id, school_id=pending.school_id)
    )
    parent.version += 1
    await session.flush()
    # The pending account is gone: those who learned of it from CredentialsIssued drop it.
    await add_event(
        session,
        AccountDisabled(
            school_id=pending.school_id,
            version=pending.version + 1,
            occurred_at=now,
            account_id=pending.id,
            disabled_by=parent.id,
        ),
    )
    audit.record(
        session,
        school_id=pending.school_id,
        actor_id=parent.id,
        action="person.attached",
        at=now,
        account_id=parent.id,
        person_id=person_id,
        closed_account_id=pending.id,
    )
    return await service.children_of(session, parent)


class InvalidActivation(Problem):
    def __init__(self) -> None:
        # One answer for an unknown login, a wrong, spent or expired code.
        super().__init__(
            401,
            "invalid-activation",
            "Invalid activation",
            "Wrong login or activation code, or the code is used or expired.",
        )


# --- a class's credentials --------------------------------------------------------------


@dataclass(frozen=True)
class ClassPerson:
    person_id: uuid.UUID
    kind: Literal["student", "parent"]
    children: tuple[uuid.UUID, ...] = ()


async def class_people(
    session: AsyncSession, school_id: uuid.UUID, class_id: uuid.UUID
) -> list[ClassPerson]:
    """The class's students (auth's projection) and their linked guardians of the school."""
    students = list(
        await session.scalars(
            select(RosterPerson.person_id)
            .where(
                RosterPerson.school_id == school_id,
                RosterPerson.class_id == class_id,
                RosterPerson.kind == "student",
            )
            .order_by(RosterPerson.person_id)
        )
    )
    if not students:
        raise NotFound("class")
    links = (
        await session.execute(
            select(Guardianship.guardian_id, Guardianship.student_id)
            .where(
                Guardianship.school_id == school_id,
                Guardianship.student_id.in_(students),
                Guardianship.unlinked.is_(False),
            )
            .order_by(Guardianship.guardian_id, Guardianship.student_id)
        )
    ).all()
    guardians: dict[uuid.UUID, list[uuid.UUID]] = {}
    for guardian_id, student_id in links:
        guardians.setdefault(guardian_id, []).append(student_id)
    return [ClassPerson(s, "student") for s in students] + [
        ClassPerson(g, "parent", tuple(children)) for g, children in guardians.items()
    ]


async def accounts_of(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Account]:
    """The accounts standing for these roster people (their own, or a parent's that took
    the record over: then the record counts as issued)."""
    found: dict[uuid.UUID, Account] = {}
    for account in await session.scalars(
        select(Account).where(Account.person_id.in_(person_ids)).with_for_update()
    ):
        found[cast(uuid.UUID, account.person_id)] = account
    attached = (
        await session.execute(
            select(AccountPerson.person_id, Account)
            .join(Account, Account.id == AccountPerson.account_id)
            .where(AccountPerson.person_id.in_(person_ids))
        )
    ).all()
    for person_id, account in attached:
        found[person_id] = account
    return found


PARENT = "Родитель (законный представитель)"
STUDENT = "Ученик"


async def issue_class(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    user: User,
    class_id: uuid.UUID,
    people: Sequence[PersonOnSlip],
    class_name: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """Credentials for a class: every student of the class and every guardian linked to
    them who has no active account gets one (new, or a fresh code for one not yet
    activated), and the answer is the PDF of their slips. The names come with the request
    (auth keeps none); a person of the class to be issued without a name is a 422, a
    person who is not of the class a 404."""
    now = now or _utcnow()
    await require_issuer(session, user, "student")
    in_class = await class_people(session, user.school_id, class_id)
    by_id = {p.person_id: p for p in in_class}
    named = {p.person_id: p for p in people}
    if set(named) - set(by_id):
        raise NotFound("person")
    accounts = await accounts_of(session, list(by_id))
    due = [
        p
        for p in in_class
        if p.person_id not in accounts
        or (accounts[p.person_id].password_hash is None and accounts[p.person_id].is_active)
    ]
    if not due:
        raise Conflict("nothing-to-issue", "Everyone of the class has an active account.")
    unnamed = sorted(str(p.person_id) for p in due if p.person_id not in named)
    if unnamed:
        raise Problem(
            422,
            "names-missing",
            "Names missing",
            "Every person to be issued needs a name for the slip.",
            person_ids=unnamed,
        )
    new = [p for p in due if p.person_id not in accounts]
    logins = await _batch_logins(session, [named[p.person_id] for p in new])
    codes: dict[uuid.UUID, tuple[str, ActivationOut]] = {}
    for person, login in zip(new, logins, strict=True):
        issued = await issue_credentials(
            session,
            passwords,
            settings,
            school_id=user.school_id,
            data=CredentialsIssue(person_id=person.person_id, kind=person.kind, login=login),
            issued_by=user.account_id,
            now=now,
        )
        codes[person.person_id] = (issued.login, cast(ActivationOut, issued.activation))
    for person in due:
        if person.person_id in codes:
            continue
        account = accounts[person.person_id]
        activation = await new_activation(
            session, passwords, settings, account, issued_by=user.account_id, now=now
        )
        audit.record(
            session,
            school_id=account.school_id,
            actor_id=user.account_id,
            action="code.issued",
            at=now,
            account_id=account.id,
        )
        codes[person.person_id] = (account.login, activation)
    school = cast(School, await session.get(School, user.school_id))
    return slips_pdf(
        _slips_in_order(in_class, named, codes),
        school_name=school.name,
        class_name=class_name,
        address=settings.public_url,
        timezone=school.timezone,
    )


async def _batch_logins(session: AsyncSession, people: Sequence[PersonOnSlip]) -> list[str]:
    """The logins given, or made from the names; none twice in the batch."""
    given = [p.login for p in people if p.login is not None]
    if len({normalize_login(g) for g in given}) != len(given):
        raise Conflict("login-taken", "A login is given twice.")
    for login in given:
        await _login_for(session, login, ("", "", None))
    made = iter(
        await free_logins(
            session,
            [login_base(p.last_name, p.first_name, p.middle_name) for p in people if not p.login],
            also_taken={normalize_login(g) for g in given},
        )
    )
    return [p.login if p.login is not None else next(made) for p in people]


def _name(person: PersonOnSlip) -> str:
    return " ".join(n for n in (person.last_name, person.first_name, person.middle_name) if n)


def _slips_in_order(
    in_class: Sequence[ClassPerson],
    named: dict[uuid.UUID, PersonOnSlip],
    codes: dict[uuid.UUID, tuple[str, ActivationOut]],
) -> list[Slip]:
    """Student by student (by name), each followed by their parents: handed out together."""
    guardians_of: dict[uuid.UUID, list[ClassPerson]] = {}
    for person in in_class:
        for child in person.children:
            guardians_of.setdefault(child, []).append(person)
    students = sorted(
        (p for p in in_class if p.kind == "student"),
        key=lambda p: (_name(named[p.person_id]) if p.person_id in named else "", p.person_id),
    )
    slips: list[Slip] = []
    printed: set[uuid.UUID] = set()
    for student in students:
        for person in [student, *guardians_of.get(student.person_id, [])]:
            if person.person_id not in codes or person.person_id in printed:
                continue
            printed.add(person.person_id)
            login, activation = codes[person.person_id]
            children = [_name(named[c]) for c in person.children if c in named]
            slips.append(
                Slip(
                    full_name=_name(named[person.person_id]),
                    role=STUDENT if person.kind == "student" else PARENT,
                    login=login,
                    code=activation.code,
                    expires_at=activation.expires_at,
                    note=("ребёнок: " + ", ".join(children)) if children else None,
                )
            )
    return slips


async def list_accounts(
    session: AsyncSession, user: User, *, kind: Kind, limit: int, offset: int
) -> tuple[list[AccountOut], int | None]:
    """The school's accounts of a kind, for their issuer, by login; a page and the next
    page's offset (None at the end)."""
    await require_issuer(session, user, kind)
    rows = list(
        await session.scalars(
            select(Account)
            .where(Account.school_id == user.school_id, Account.kind == kind)
            .order_by(func.lower(Account.login), Account.id)
            .limit(limit + 1)
            .offset(offset)
        )
    )
    page = rows[:limit]
    held: dict[uuid.UUID, list[str]] = {a.id: [] for a in page}
    if page:
        for account_id, role in await session.execute(
            select(AccountRole.account_id, AccountRole.role)
            .where(AccountRole.account_id.in_(list(held)))
            .order_by(AccountRole.role)
        ):
            held[account_id].append(role)
    items = [
        AccountOut(
            account_id=a.id,
            login=a.login,
            kind=cast(Kind, a.kind),
            roles=held[a.id],
            person_id=a.person_id,
            last_name=a.last_name,
            first_name=a.first_name,
            middle_name=a.middle_name,
            active=a.is_active,
            activated=a.password_hash is not None,
        )
        for a in page
    ]
    return items, (offset + limit if len(rows) > limit else None)
