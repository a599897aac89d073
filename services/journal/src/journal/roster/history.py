"""The roster's change history: who changed what, when, from which value to which."""

import datetime as dt
import uuid
from collections.abc import Mapping

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from journal.roster.models import RosterChange
from shared.security import User

Value = str | dt.date | uuid.UUID | None


def _text(value: Value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


async def record(
    session: AsyncSession,
    user: User,
    subject: str,
    subject_id: uuid.UUID,
    student_id: uuid.UUID | None,
    changes: Mapping[str, tuple[Value, Value]],
) -> None:
    """Append one row per changed field (`field: (old, new)`); unchanged fields are left
    out, so an update that changes nothing leaves no trace."""
    values = [
        {
            "id": uuid.uuid4(),
            "school_id": user.school_id,
            "subject": subject,
            "subject_id": subject_id,
            "student_id": student_id,
            "field": field,
            "old_value": _text(old),
            "new_value": _text(new),
            "changed_by": user.account_id,
        }
        for field, (old, new) in changes.items()
        if old != new
    ]
    if values:
        await session.execute(insert(RosterChange), values)
