"""Consents of guardians (152-FZ): per child and purpose, given and revoked by the
guardian, each change recorded (time and who) and published, so that the services moving
the data check it.

Purposes: `portal_marks` (the child's marks shown on the portal), `district_systems`
(data passed to the district's systems), `email_notifications` (notices by email).
"""

import uuid
from datetime import UTC, datetime
from typing import get_args

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import audit, service
from auth.models import Account, Consent, Guardianship
from shared.contracts.auth import ConsentGiven, ConsentPurpose, ConsentRevoked
from shared.errors import Forbidden, NotFound
from shared.outbox import add_event
from shared.security import User

PURPOSES: tuple[str, ...] = get_args(ConsentPurpose)


class ConsentOut(BaseModel):
    student_id: uuid.UUID
    purpose: ConsentPurpose
    given: bool
    changed_at: datetime | None


class ConsentsOut(BaseModel):
    consents: list[ConsentOut]


async def _parent(session: AsyncSession, user: User) -> Account:
    account = await session.get(Account, user.account_id)
    if account is None or not account.is_active or account.kind != "parent":
        raise Forbidden("Consents are given by a child's parent.")
    return account


async def list_consents(session: AsyncSession, user: User) -> ConsentsOut:
    """Every child of the parent with every purpose: given or not, and since when."""
    parent = await _parent(session, user)
    children = await service.children_of(session, parent)
    rows = {
        (c.student_id, c.purpose): c
        for c in await session.scalars(select(Consent).where(Consent.account_id == parent.id))
    }
    out = []
    for child in children:
        for purpose in PURPOSES:
            row = rows.get((child, purpose))
            out.append(
                ConsentOut(
                    student_id=child,
                    purpose=purpose,
                    given=bool(row and row.given),
                    changed_at=row.changed_at if row else None,
                )
            )
    return ConsentsOut(consents=out)


async def set_consent(
    session: AsyncSession,
    user: User,
    student_id: uuid.UUID,
    purpose: ConsentPurpose,
    *,
    given: bool,
    now: datetime | None = None,
) -> ConsentOut:
    """Give or revoke; the same state again changes and publishes nothing. 404 for a
    child who is not the caller's."""
    now = now or datetime.now(UTC)
    parent = await _parent(session, user)
    if student_id not in await service.children_of(session, parent):
        raise NotFound("student")
    school_id = await session.scalar(
        select(Guardianship.school_id).where(Guardianship.student_id == student_id).limit(1)
    )
    row = await session.scalar(
        select(Consent)
        .where(
            Consent.account_id == parent.id,
            Consent.student_id == student_id,
            Consent.purpose == purpose,
        )
        .with_for_update()
    )
    if row is not None and row.given == given:
        return ConsentOut(
            student_id=student_id, purpose=purpose, given=given, changed_at=row.changed_at
        )
    if row is None and not given:
        return ConsentOut(student_id=student_id, purpose=purpose, given=False, changed_at=None)
    if row is None:
        row = Consent(
            account_id=parent.id,
            student_id=student_id,
            purpose=purpose,
            school_id=school_id or parent.school_id,
            given=True,
            changed_at=now,
            version=1,
        )
        session.add(row)
    else:
        row.given, row.changed_at, row.version = given, now, row.version + 1
    await session.flush()
    event = ConsentGiven if given else ConsentRevoked
    await add_event(
        session,
        event(
            school_id=row.school_id,
            version=row.version,
            occurred_at=now,
            student_id=student_id,
            purpose=purpose,
            guardian_account_id=parent.id,
        ),
    )
    audit.record(
        session,
        school_id=row.school_id,
        actor_id=parent.id,
        action="consent.given" if given else "consent.revoked",
        at=now,
        account_id=parent.id,
        student_id=student_id,
        purpose=purpose,
    )
    return ConsentOut(student_id=student_id, purpose=purpose, given=given, changed_at=now)
