"""serving: the gateways' per-minute counts, shared so that several gateways keep one limit

Revision ID: 0104_serving
Revises: 0103_serving
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0104_serving"
down_revision = "0103_serving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_windows",
        sa.Column("gateway", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=50), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("gateway", "kind", "scope", "minute"),
    )
    op.create_index(op.f("ix_gateway_windows_minute"), "gateway_windows", ["minute"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_gateway_windows_minute"), table_name="gateway_windows")
    op.drop_table("gateway_windows")
