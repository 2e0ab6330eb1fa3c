"""serving: per-tenant gateway rate limits

Revision ID: 0102_serving
Revises: 0101_serving
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import suanli.state.models

revision = "0102_serving"
down_revision = "0101_serving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_rate_limits",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("key_rpm", sa.Integer(), nullable=True),
        sa.Column("key_tpm", sa.Integer(), nullable=True),
        sa.Column("tenant_rpm", sa.Integer(), nullable=True),
        sa.Column("tenant_tpm", sa.Integer(), nullable=True),
        sa.Column("updated_at", suanli.state.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("gateway_rate_limits")
