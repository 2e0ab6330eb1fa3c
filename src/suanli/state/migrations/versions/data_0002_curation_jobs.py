"""data: server-side curation jobs

Revision ID: data_0002
Revises: data_0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import suanli.state.models

revision = "data_0002"
down_revision = "data_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = suanli.state.models.UTCDateTime(timezone=True)
    op.create_table(
        "curation_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("source_number", sa.Integer(), nullable=False),
        sa.Column("recipe", sa.String(length=200), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("report", sa.String(length=1000), nullable=True),
        sa.Column("result_number", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=False),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("heartbeat_at", when, nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("started_at", when, nullable=True),
        sa.Column("finished_at", when, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", when, nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("observed_generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_curation_jobs_tenant_id", "curation_jobs", ["tenant_id"])
    op.create_index("ix_curation_jobs_dataset_id", "curation_jobs", ["dataset_id"])
    op.create_index("ix_curation_jobs_status", "curation_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("curation_jobs")
