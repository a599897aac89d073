"""token_revocations: the sessions and accounts whose access tokens are refused before
they expire, projected from auth's events (shared.revocations)

Revision ID: 0006_token_revocations
Revises: 0005_report_snapshots
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from shared.revocations import create_revocations, drop_revocations

revision: str = "0006_token_revocations"
down_revision: str | None = "0005_report_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_revocations()


def downgrade() -> None:
    drop_revocations()
