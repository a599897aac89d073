"""Staff roles: who may grant which (the grant table), granting and revoking.

| issuer   | may grant and revoke                                                  |
|----------|-----------------------------------------------------------------------|
| sysadmin | sysadmin, deputy, teacher, class_teacher; director only while the     |
|          | school has no director (its first, or after the last one left)        |
| director | director, deputy                                                      |

Nobody grants a role above their own (RANK): the sysadmin's one exception is the school's
first director, whom nobody else could appoint. The caller's roles are read from the
database, not from the token, so a role taken away stops granting at once. A grant or
revocation of director or deputy is announced to the school's other directors (the event's
`announce_to`) and, like every role change, recorded in the audit trail.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import audit
from auth.models import Account, AccountRole
from shared.contracts.auth import RoleGranted, RoleRevoked, StaffRole
from shared.errors import Conflict, Forbidden, NotFound
from shared.outbox import add_event
from shared.security import User

STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)
RANK: dict[str, int] = {
    "director": 3,
    "deputy": 2,
    "sysadmin": 2,
    "class_teacher": 1,
    "teacher": 1,
}
GRANTABLE: dict[str, frozenset[str]] = {
    "sysadmin": frozenset({"sysadmin", "deputy", "teacher", "class_teacher", "director"}),
    "director": frozenset({"director", "deputy"}),
}
# Granted by the sysadmin only while no active account holds it (the bootstrap exception).
FIRST_ONLY: dict[str, frozenset[str]] = {"sysadmin": frozenset({"director"})}
ANNOUNCED = frozenset({"director", "deputy"})


@dataclass(frozen=True)
class Grantor:
    """The caller as the database knows them now."""

    account_id: uuid.UUID
    school_id: uuid.UUID
    roles: frozenset[str]


async def grantor(session: AsyncSession, user: User) -> Grantor:
    """The caller's current roles (403 when they grant nothing)."""
    account = await session.get(Account, user.account_id)
    if account is None or not account.is_active or account.school_id != user.school_id:
        raise Forbidden("The account no longer exists or is disabled.")
    roles = frozenset(await roles_of(session, account.id))
    if not roles & GRANTABLE.keys():
        raise Forbidden("Only the system administrator and the director grant roles.")
    return Grantor(account.id, account.school_id, roles)


async def roles_of(session: AsyncSession, account_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(AccountRole.role)
        .where(AccountRole.account_id == account_id)
        .order_by(AccountRole.role)
    )
    return list(rows)


async def holders(session: AsyncSession, school_id: uuid.UUID, role: str) -> list[uuid.UUID]:
    """The active accounts of the school holding the role."""
    rows = await session.scalars(
        select(Account.id)
        .join(AccountRole, AccountRole.account_id == Account.id)
        .where(
            AccountRole.school_id == school_id,
            AccountRole.role == role,
            Account.is_active.is_(True),
        )
        .order_by(Account.id)
    )
    return list(rows)


async def may_grant(session: AsyncSession, issuer: Grantor, role: str) -> bool:
    """Whether the grant table lets the issuer grant (or revoke) the role now."""
    for own in issuer.roles:
        if role not in GRANTABLE.get(own, frozenset()):
            continue
        if role in FIRST_ONLY.get(own, frozenset()):
            if not await holders(session, issuer.school_id, role):
                return True
            continue
        if RANK[role] <= RANK[own]:
            return True
    return False


async def _require_grantable(session: AsyncSession, issuer: Grantor, role: str) -> None:
    if not await may_grant(session, issuer, role):
        raise Forbidden(f"Your roles do not allow granting or revoking {role}.")


async def staff_account(
    session: AsyncSession, school_id: uuid.UUID, account_id: uuid.UUID
) -> Account:
    """A staff account of the school, locked for the change (404 elsewhere)."""
    account = await session.scalar(
        select(Account).where(Account.id == account_id).with_for_update()
    )
    if account is None or account.school_id != school_id:
        raise NotFound("account")
    if account.kind != "staff":
        raise Conflict("not-staff", "Staff roles are granted to staff accounts only.")
    return account


async def _announced_to(
    session: AsyncSession, school_id: uuid.UUID, role: str, *, skip: set[uuid.UUID]
) -> list[uuid.UUID]:
    if role not in ANNOUNCED:
        return []
    return [d for d in await holders(session, school_id, "director") if d not in skip]


async def grant(
    session: AsyncSession, user: User, account_id: uuid.UUID, role: StaffRole
) -> list[str]:
    """Grant a staff role; granting one already held changes nothing. The account's roles."""
    issuer = await grantor(session, user)
    account = await staff_account(session, issuer.school_id, account_id)
    held = await roles_of(session, account.id)
    if role in held:
        return held
    await _require_grantable(session, issuer, role)
    now = datetime.now(UTC)
    announce_to = await _announced_to(
        session, issuer.school_id, role, skip={issuer.account_id, account.id}
    )
    session.add(AccountRole(account_id=account.id, role=role, school_id=account.school_id))
    account.version += 1
    await session.flush()
    await add_role_granted(session, account, role, issuer.account_id, announce_to, now)
    return await roles_of(session, account.id)


async def add_role_granted(
    session: AsyncSession,
    account: Account,
    role: StaffRole,
    granted_by: uuid.UUID,
    announce_to: list[uuid.UUID],
    at: datetime,
) -> None:
    await add_event(
        session,
        RoleGranted(
            school_id=account.school_id,
            version=account.version,
            occurred_at=at,
            account_id=account.id,
            role=role,
            granted_by=granted_by,
            announce_to=announce_to,
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=granted_by,
        action="role.granted",
        at=at,
        account_id=account.id,
        role=role,
    )


async def revoke(
    session: AsyncSession, user: User, account_id: uuid.UUID, role: StaffRole
) -> list[str]:
    """Take a staff role away; one not held changes nothing. The last sysadmin stays."""
    issuer = await grantor(session, user)
    account = await staff_account(session, issuer.school_id, account_id)
    held = await roles_of(session, account.id)
    if role not in held:
        return held
    await _require_grantable(session, issuer, role)
    if role == "sysadmin" and (await holders(session, issuer.school_id, "sysadmin")) == [
        account.id
    ]:
        raise Conflict("last-sysadmin", "The school's last system administrator stays.")
    now = datetime.now(UTC)
    announce_to = await _announced_to(
        session, issuer.school_id, role, skip={issuer.account_id, account.id}
    )
    await session.execute(
        delete(AccountRole).where(AccountRole.account_id == account.id, AccountRole.role == role)
    )
    account.version += 1
    await session.flush()
    await add_event(
        session,
        RoleRevoked(
            school_id=account.school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            role=role,
            revoked_by=issuer.account_id,
            announce_to=announce_to,
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=issuer.account_id,
        action="role.revoked",
        at=now,
        account_id=account.id,
        role=role,
    )
    return await roles_of(session, account.id)
