"""What the case documents state and the inventory did not keep: the holder's address
(送达地址), the contract's electronic supervision number or contract number
(合同电子监管号 / 合同编号), the parcel's four boundaries (四至), and the day the land
was handed over (交地日期: where it was handed over late, the start clock of the
documents runs from it). All empty for the parcels already stored: a document leaves
them as marked blanks until a clerk records them.

Plain ``ADD COLUMN`` (no batch rebuild): on SQLite a rebuild of ``parcel`` would drop
the data-stamp triggers of migration 0007.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("holder_address", sa.Text()),
    ("contract_number", sa.Text()),
    ("boundaries", sa.Text()),
    ("delivered_on", sa.Date()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("parcel", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # DROP COLUMN (SQLite ≥ 3.35) keeps the table and its triggers
    for name, _ in reversed(COLUMNS):
        op.drop_column("parcel", name)
