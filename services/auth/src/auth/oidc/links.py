"""Links of accounts to the provider's subjects, and who may have one.

An adult links: a staff member or a parent whose account is active and activated (they
signed in with their code and password first). Students do not: auth knows no birth
dates (they stay in journal's roster), so it cannot tell a 15-year-old from a 10-year-old,
and children under 14 keep their activation codes and passwords, as the regulation says;
a student account is refused whatever the age. One subject links to one account, one
account to one subject of a provider; a link is removed by its owner (unlink)."""

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth import audit
from auth.models import Account
from auth.oidc.models import ExternalIdentity
from auth.oidc.provider import Identity
from shared.contracts.auth import ExternalIdentityLinked, ExternalIdentityUnlinked
from shared.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.outbox import add_event

LINKING_KINDS = frozenset({"staff", "parent"})


class LinkNotAllowed(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "Only adults (staff and parents) link an external account; students sign in "
            "with their login and password."
        )
        self.slug = "oidc-link-not-allowed"


def may_link(account: Account) -> bool:
    return account.kind in LINKING_KINDS and account.is_active and account.password_hash is not None


async def linking_account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    """The caller's account, locked, if it may link (401 gone or disabled, 403 a student)."""
    account = await session.get(Account, account_id, with_for_update=True)
    if account is None or not account.is_active:
        raise Unauthenticated("The account no longer exists or is disabled.")
    if not may_link(account):
        raise LinkNotAllowed()
    return account


async def find_link(
    session: AsyncSession, account_id: uuid.UUID, issuer: str
) -> ExternalIdentity | None:
    return await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.account_id == account_id, ExternalIdentity.issuer == issuer
        )
    )


async def account_of(session: AsyncSession, identity: Identity) -> Account | None:
    return await session.scalar(
        select(Account)
        .join(ExternalIdentity, ExternalIdentity.account_id == Account.id)
        .where(
            ExternalIdentity.issuer == identity.issuer,
            ExternalIdentity.subject == identity.subject,
        )
    )


async def link(
    session: AsyncSession, account_id: uuid.UUID, identity: Identity, now: datetime
) -> ExternalIdentity:
    """Link the account to the identity (409 if either is linked already)."""
    account = await linking_account(session, account_id)
    if await find_link(session, account.id, identity.issuer) is not None:
        raise Conflict("oidc-already-linked", "This account is linked already; unlink it first.")
    linked = ExternalIdentity(
        id=uuid.uuid4(),
        account_id=account.id,
        school_id=account.school_id,
        issuer=identity.issuer,
        subject=identity.subject,
        linked_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(linked)
    except IntegrityError:
        raise Conflict(
            "oidc-subject-linked",
            "This external account is linked to another account of the journal.",
        ) from None
    account.version += 1
    await add_event(
        session,
        ExternalIdentityLinked(
            school_id=account.school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            issuer=identity.issuer,
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=account.id,
        action="identity.linked",
        at=now,
        account_id=account.id,
        issuer=identity.issuer,
    )
    return linked


async def unlink(session: AsyncSession, account_id: uuid.UUID, issuer: str, now: datetime) -> None:
    """Remove the caller's link (404 when there is none)."""
    account = await session.get(Account, account_id, with_for_update=True)
    if account is None or not account.is_active:
        raise Unauthenticated("The account no longer exists or is disabled.")
    removed = await session.scalar(
        delete(ExternalIdentity)
        .where(ExternalIdentity.account_id == account.id, ExternalIdentity.issuer == issuer)
        .returning(ExternalIdentity.id)
    )
    if removed is None:
        raise NotFound("link")
    account.version += 1
    await add_event(
        session,
        ExternalIdentityUnlinked(
            school_id=account.school_id,
            version=account.version,
            occurred_at=now,
            account_id=account.id,
            issuer=issuer,
        ),
    )
    audit.record(
        session,
        school_id=account.school_id,
        actor_id=account.id,
        action="identity.unlinked",
        at=now,
        account_id=account.id,
        issuer=issuer,
    )
