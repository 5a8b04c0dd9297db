"""Disposal subject: a disposal tracks a parcel's disposal (处置) or a vacant building's
activation (盘活); ``subject`` says which, ``parcel_code`` holds the code of either.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disposal", recreate="never") as batch:
        batch.add_column(
            sa.Column("subject", sa.String(length=16), nullable=False, server_default="parcel")
        )


def downgrade() -> None:
    with op.batch_alter_table("disposal") as batch:
        batch.drop_column("subject")
