"""serving: who created each registry model (its storage is billed to them)

Revision ID: 0103_serving
Revises: 0102_serving
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0103_serving"
down_revision = "0102_serving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("served_models") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("served_models") as batch:
        batch.drop_column("created_by")
