"""token_revocations: the sessions and accounts whose access tokens are refused before
they expire, projected from auth's events (shared.revocations)

Revision ID: 0012_token_revocations
Revises: 0011_timetable
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from shared.revocations import create_revocations, drop_revocations

revision: str = "0012_token_revocations"
down_revision: str | None = "0011_timetable"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_revocations()


def downgrade() -> None:
    drop_revocations()
