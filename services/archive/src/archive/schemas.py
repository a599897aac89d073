"""Archive HTTP models."""

import uuid

from pydantic import BaseModel


class ReceivedEventsSummary(BaseModel):
    school_id: uuid.UUID
    total: int
    counts: dict[str, int]
