"""Disposal steps: every move of a disposal, with who, when, why and the document.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disposal_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disposal_id", sa.Integer(), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("doc", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["disposal_id"], ["disposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disposal_step", schema=None) as batch_op:
        batch_op.create_index("ix_disposal_step_disposal_id", ["disposal_id"], unique=False)


def downgrade() -> None:
    op.drop_table("disposal_step")
