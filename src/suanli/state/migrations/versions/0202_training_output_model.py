"""training: a job's output model (registered in the model registry when the job succeeds)

Revision ID: 0202
Revises: 0201
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0202"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("output_model", sa.String(length=63), nullable=True))
        batch.add_column(sa.Column("output_version_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("output_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("output_error")
        batch.drop_column("output_version_id")
        batch.drop_column("output_model")
