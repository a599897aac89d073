"""outbox: parked rows; outbox and inbox: indexes for the purge by age

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from shared.migrations import add_outbox_parking_and_retention, drop_outbox_parking_and_retention

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_parking_and_retention()


def downgrade() -> None:
    drop_outbox_parking_and_retention()
