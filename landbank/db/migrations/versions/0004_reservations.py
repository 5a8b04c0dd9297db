"""Reservations: the floor or unit a reservation holds (``vacancy_key``), and partial
unique indexes that let a parcel, floor or unit have one active reservation at a time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The same conditions as landbank.db.models.Reservation's indexes.
ACTIVE_PARCEL = "released_at IS NULL AND parcel_code IS NOT NULL"
ACTIVE_SPACE = "released_at IS NULL AND building_code IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("reservation", recreate="never") as batch:
        batch.add_column(sa.Column("vacancy_key", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_reservation_active_parcel",
        "reservation",
        ["parcel_code"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_PARCEL),
        postgresql_where=sa.text(ACTIVE_PARCEL),
    )
    op.create_index(
        "uq_reservation_active_space",
        "reservation",
        ["building_code", "vacancy_key"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_SPACE),
        postgresql_where=sa.text(ACTIVE_SPACE),
    )


def downgrade() -> None:
    op.drop_index("uq_reservation_active_space", table_name="reservation")
    op.drop_index("uq_reservation_active_parcel", table_name="reservation")
    with op.batch_alter_table("reservation") as batch:
        batch.drop_column("vacancy_key")
