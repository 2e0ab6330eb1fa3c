"""metering bridge cursor

Revision ID: gov_0002
Revises: gov_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import suanli.state.models

revision = "gov_0002"
down_revision = "gov_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metering_cursors",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("metered_until", suanli.state.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unpriced", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", suanli.state.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("observed_generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO metering_cursors (id, unpriced, generation, observed_generation) VALUES ('ledger', 0, 1, 0)"
    )


def downgrade() -> None:
    op.drop_table("metering_cursors")
