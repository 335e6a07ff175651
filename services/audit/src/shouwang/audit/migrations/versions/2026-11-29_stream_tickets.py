"""stream tickets: one-use, short-lived tickets that open a live stream (`?ticket=`)

Only the ticket's SHA-256 is kept. A ticket is used up by one conditional UPDATE (`used_at IS
NULL`), so one use holds across replicas; rows are pruned an hour after they expire.

Revision ID: f47b2d8c1e93
Revises: a569f68781bf
Create Date: 2026-11-29 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f47b2d8c1e93"
down_revision: str | None = "a569f68781bf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stream_tickets",
        sa.Column("ticket_sha256", sa.Text(), nullable=False),
        sa.Column("sub", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_sha256", name="pk_stream_tickets"),
        schema="audit",
    )
    op.create_index(
        "ix_stream_tickets_expires_at", "stream_tickets", ["expires_at"], schema="audit"
    )


def downgrade() -> None:
    op.drop_index("ix_stream_tickets_expires_at", table_name="stream_tickets", schema="audit")
    op.drop_table("stream_tickets", schema="audit")
