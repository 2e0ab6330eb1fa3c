"""dataset versions mounted into training jobs

Revision ID: 0203
Revises: 0201
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0203"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.add_column(sa.Column("datasets", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("training_jobs") as batch:
        batch.drop_column("datasets")
