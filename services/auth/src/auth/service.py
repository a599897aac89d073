"""Use cases of auth: schools, staff and credentials, logins and sessions, the roster.

Functions take the caller's session, change state, stage events, and never commit.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal, cast

from pydantic import ValidationError
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import (
    Account,
    AccountPerson,
    AccountRole,
    Base,
    Guardianship,
    RosterPerson,
    School,
)
from auth.passwords import Passwords
from auth.schemas import AccountKind, MeOut, SchoolOut, SchoolProvisioning, StaffCreate
from auth.settings import Settings
from auth.tokens import Claims
from shared.bulk import insert_new, upsert_newer
from shared.contracts.auth import SchoolRegistered
from shared.errors import Conflict, NotFound, Problem, Unauthenticated
from shared.outbox import add_event

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def login_taken() -> Conflict:
    return Conflict("login-taken", "This login is already in use.")


def credentials_exist() -> Conflict:
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
    # Imported here: issuance builds on this module's accounts and claims.
    from auth.issuance import service as issuance

    admin = await issuance.create_staff(
        session,
        hasher,
        Settings(),
        school_id=school.id,
        data=StaffCreate(
            login=data.admin_login,
            last_name=data.admin_last_name,
            first_name=data.admin_first_name,
            middle_name=data.admin_middle_name,
            roles=["sysadmin"],
        ),
        issued_by=None,
        password=data.admin_password,
    )
    return school.id, admin.account_id


async def add_account(session: AsyncSession, account: Account, roles: Sequence[str]) -> None:
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
            raise credentials_exist() from exc
        if "uq_accounts_login_ci" in message:
            raise login_taken() from exc
        raise


async def _roles(session: AsyncSession, account_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(AccountRole.role)
        .where(AccountRole.account_id == account_id)
        .order_by(AccountRole.role)
    )
    return list(rows)


async def children_of(session: AsyncSession, account: Account) -> list[uuid.UUID]:
    """A parent's children still linked to them, in every school whose guardian record the
    account stands for (its own roster id, and those taken over from other schools' slips)."""
    if account.kind != "parent" or account.person_id is None:
        return []
    attached = select(AccountPerson.person_id).where(AccountPerson.account_id == account.id)
    rows = await session.scalars(
        select(Guardianship.student_id)
        .where(
            (Guardianship.guardian_id == account.person_id)
            | Guardianship.guardian_id.in_(attached),
            Guardianship.unlinked.is_(False),
        )
        .distinct()
        .order_by(Guardianship.student_id)
    )
    return list(rows)


async def claims_of(session: AsyncSession, account: Account) -> Claims:
    return Claims(
        account_id=account.id,
        school_id=account.school_id,
        roles=await _roles(session, account.id),
        person_id=account.person_id,
        children=await children_of(session, account) if account.kind == "parent" else None,
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
        children=await children_of(session, account),
        last_name=account.last_name,
        first_name=account.first_name,
        middle_name=account.middle_name,
    )


# --- the roster, projected from journal -----------------------------------------------


RosterFact = tuple[uuid.UUID, uuid.UUID]  # (school, person)


async def record_students(session: AsyncSession, students: Iterable[RosterFact]) -> None:
    """Students are on their schools' rosters (enrolled); repeated facts change nothing."""
    await _record_people(session, students, kind="student")


ClassFact = tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, int]
"""(school, student, the class now or None once they left, the student's version)."""


async def record_student_classes(session: AsyncSession, facts: Iterable[ClassFact]) -> None:
    """Students' current classes (enrolled, transferred, left), by the student's version:
    an older fact arriving late changes nothing. The student is on the roster either way."""
    newest: dict[uuid.UUID, ClassFact] = {}
    for fact in facts:
        held = newest.get(fact[1])
        if held is None or held[3] < fact[3]:
            newest[fact[1]] = fact
    if not newest:
        return
    table = _table(RosterPerson)
    statement = insert(table).values(
        [
            {
                "person_id": student,
                "school_id": school,
                "kind": "student",
                "class_id": class_id,
                "class_version": version,
            }
            for school, student, class_id, version in (newest[k] for k in sorted(newest))
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["person_id"],
            set_={
                "class_id": statement.excluded.class_id,
                "class_version": statement.excluded.class_version,
            },
            where=table.c.class_version < statement.excluded.class_version,
        )
    )


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
