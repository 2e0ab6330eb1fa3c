"""data classification labels of jobs, deployments and datasets

Revision ID: gov_0003
Revises: gov_0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import suanli.state.models

revision = "gov_0003"
down_revision = "gov_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_labels",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=10), nullable=False),
        sa.Column("at", suanli.state.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject"),
    )
    op.create_index("ix_data_labels_tenant", "data_labels", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_data_labels_tenant", table_name="data_labels")
    op.drop_table("data_labels")
