"""Files attached to a lesson's homework (the text and due date live on the lesson)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class HomeworkAttachment(Base):
    """A file of a lesson's homework. The bytes are kept in the row (bytea), so a backup of
    journal's database holds them and they change in the lesson's transaction; their size
    is bounded by the service's settings (a few MB a file, a few files a lesson)."""

    __tablename__ = "homework_attachments"
    __table_args__ = (
        CheckConstraint("size = octet_length(content)", name="size_is_content_length"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lessons.id"), index=True
    )
    file_name: Mapped[str] = mapped_column(Text)
    # Detected from the content when uploaded, never taken from the client.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    uploaded_at: Mapped[datetime] = created_at_column()
