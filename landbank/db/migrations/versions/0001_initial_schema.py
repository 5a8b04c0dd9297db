"""Initial schema: parcel, parcel_event, disposal, building, vacancy, performance,
project, reservation, app_user.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("districts", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("building_type", sa.String(length=32), nullable=True),
        sa.Column("floors", sa.Integer(), nullable=True),
        sa.Column("total_floor_area_m2", sa.Float(), nullable=True),
        sa.Column("structure", sa.Text(), nullable=True),
        sa.Column("floor_load_kn_m2", sa.Float(), nullable=True),
        sa.Column("clear_height_m", sa.Float(), nullable=True),
        sa.Column("power_kva", sa.Float(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("rent_yuan_m2_month", sa.Float(), nullable=True),
        sa.Column("price_wan", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("geom", Geometry("GEOMETRY", srid=4490, spatial_index=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )

    op.create_table(
        "disposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("area_mu", sa.Float(), nullable=True),
        sa.Column("idle_fee_wan", sa.Float(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_parcel_code"), ["parcel_code"], unique=False)

    op.create_table(
        "parcel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("land_use", sa.Text(), nullable=True),
        sa.Column("land_use_class", sa.Text(), nullable=True),
        sa.Column("holder", sa.Text(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("supplied_on", sa.Date(), nullable=True),
        sa.Column("agreed_start_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("agreed_completion_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("operating_on", sa.Date(), nullable=True),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("area_mu", sa.Float(), nullable=False),
        sa.Column("recorded_area_mu", sa.Float(), nullable=True),
        sa.Column("developed_area_mu", sa.Float(), nullable=True),
        sa.Column("invested_wan", sa.Float(), nullable=True),
        sa.Column("total_investment_wan", sa.Float(), nullable=True),
        sa.Column("land_price_wan", sa.Float(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("category_reasons", sa.Text(), nullable=True),
        sa.Column("category_override", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry("MULTIPOLYGON", srid=4490, spatial_index=True, nullable=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("parcel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parcel_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_parcel_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_parcel_district"), ["district"], unique=False)

    op.create_table(
        "parcel_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("parcel_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parcel_event_parcel_code"), ["parcel_code"], unique=False
        )

    op.create_table(
        "performance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tax_wan", sa.Float(), nullable=True),
        sa.Column("output_wan", sa.Float(), nullable=True),
        sa.Column("value_added_wan", sa.Float(), nullable=True),
        sa.Column("investment_wan", sa.Float(), nullable=True),
        sa.Column("energy_tce", sa.Float(), nullable=True),
        sa.Column("emissions_t", sa.Float(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("rd_wan", sa.Float(), nullable=True),
        sa.Column("revenue_wan", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("parcel_code", "year"),
    )
    with op.batch_alter_table("performance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_performance_parcel_code"), ["parcel_code"], unique=False
        )

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("parcel_code", sa.String(length=64), nullable=True),
        sa.Column("building_code", sa.String(length=64), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reservation_building_code"), ["building_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reservation_parcel_code"), ["parcel_code"], unique=False
        )

    op.create_table(
        "vacancy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_code", sa.String(length=64), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("vacant_area_m2", sa.Float(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("rent_yuan_m2_month", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["building_code"], ["building.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vacancy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vacancy_building_code"), ["building_code"], unique=False
        )


def downgrade() -> None:
    op.drop_table("vacancy")
    op.drop_table("reservation")
    op.drop_table("project")
    op.drop_table("performance")
    op.drop_table("parcel_event")
    op.drop_table("parcel")
    op.drop_table("disposal")
    op.drop_table("building")
    op.drop_table("app_user")
