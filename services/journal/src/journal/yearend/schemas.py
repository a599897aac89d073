"""HTTP shapes of the year end."""

import datetime as dt
import uuid

from pydantic import BaseModel

from shared.contracts.journal import YearManifest


class YearClosedOut(BaseModel):
    year_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date
    version: int
    closed_at: dt.datetime
    closed_by: uuid.UUID
    manifest: YearManifest
