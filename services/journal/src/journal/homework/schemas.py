"""HTTP shapes of homework."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from journal.marks.schemas import Version
from journal.schemas import RequestModel
from shared.inputs import Day
from shared.inputs import Text as PlainText

HomeworkText = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
]


class HomeworkSet(RequestModel):
    text: HomeworkText
    due_on: Day | None = Field(
        default=None, description="When it is due; by default the assignment's next lesson."
    )
    version: Version | None = Field(
        default=None, description="The lesson's version the change is based on (or If-Match)."
    )


class HomeworkClear(RequestModel):
    version: Version | None = Field(
        default=None, description="The lesson's version the clearing is based on (or If-Match)."
    )


class AttachmentOut(BaseModel):
    attachment_id: uuid.UUID
    file_name: str
    content_type: str
    size: int


class HomeworkOut(BaseModel):
    lesson_id: uuid.UUID
    text: str | None
    due_on: dt.date | None
    attachments: list[AttachmentOut]
    version: int = Field(description="The lesson's version after the change.")
