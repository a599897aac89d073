"""The audit trail: every issuance, reset, activation, disabling, role change and consent,
with who did it. Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE)."""

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import AuditEntry

Action = Literal[
    "account.created",
    "code.issued",
    "password.reset",
    "password.changed",
    "account.activated",
    "account.disabled",
    "person.attached",
    "role.granted",
    "role.revoked",
    "consent.given",
    "consent.revoked",
    "identity.linked",
    "identity.unlinked",
]


def record(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: Action,
    at: datetime,
    account_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    """Add one entry (ids and role names only: never a code, a password or a name)."""
    session.add(
        AuditEntry(
            school_id=school_id,
            at=at,
            actor_id=actor_id,
            action=action,
            account_id=account_id,
            detail={key: str(value) for key, value in detail.items()},
        )
    )
