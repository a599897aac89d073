"""grading_settings.unmarked_grades: the class levels taught without marks (безотметочное
обучение), the first grade unless the school says otherwise

Revision ID: 0014_unmarked_grades
Revises: 0013_year_archived
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0014_unmarked_grades"
down_revision: str | None = "0013_year_archived"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A school's row predating the setting graded as journal's default did: the first
    # grade without marks.
    op.add_column(
        "grading_settings",
        sa.Column(
            "unmarked_grades",
            ARRAY(sa.SmallInteger()),
            nullable=False,
            server_default=sa.text("'{1}'::smallint[]"),
        ),
    )


def downgrade() -> None:
    op.drop_column("grading_settings", "unmarked_grades")
