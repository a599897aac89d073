"""grading.unmarked_grades: the class levels a school teaches without marks, from
`journal.grading.changed.v1` (events before the field meant the first grade)

Revision ID: 0007_unmarked_grades
Revises: 0006_token_revocations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007_unmarked_grades"
down_revision: str | None = "0006_token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every row so far came from events without the field: journal's default then.
    op.add_column(
        "grading",
        sa.Column("unmarked_grades", JSONB(), nullable=False, server_default=sa.text("'[1]'")),
    )


def downgrade() -> None:
    op.drop_column("grading", "unmarked_grades")
