"""idempotency_keys: sending mail takes an Idempotency-Key (shared.idempotency)

Revision ID: 0007_idempotency_keys
Revises: 0006_token_revocations
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from shared.idempotency import create_keys_table, drop_keys_table

revision: str = "0007_idempotency_keys"
down_revision: str | None = "0006_token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_keys_table()


def downgrade() -> None:
    drop_keys_table()
