"""Enterprises (亩均效益评价 by enterprise): the register (``enterprise``, keyed by the
unified social credit code), the parcel's ``holder_credit_code``, leases between
enterprises (``lease``, replaced rows kept), and the figures each office sends per year
(``figure_vintage``: one import of a source and year, replaced ones kept;
``enterprise_figure``: its rows in canonical units).

``parcel`` gains a column only (ALTER TABLE ADD COLUMN, no rebuild): its data-stamp
triggers of migration 0007 stay as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CURRENT = "replaced_at IS NULL"
FIGURES = ("tax_wan", "power_kwh", "revenue_wan", "output_wan", "value_added_wan",
           "employees", "rd_wan", "emissions_t", "energy_tce")  # fmt: skip


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.current_timestamp())


def upgrade() -> None:
    with op.batch_alter_table("parcel", recreate="never") as batch:
        batch.add_column(sa.Column("holder_credit_code", sa.String(18), nullable=True))
    op.create_index("ix_parcel_holder_credit_code", "parcel", ["holder_credit_code"])
    op.create_table(
        "enterprise",
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("cohort", sa.String(8)),
        sa.Column("industry", sa.String(8)),
        sa.Column("district", sa.Text()),
        sa.Column("park", sa.Text()),
        sa.Column("source_file", sa.Text()),
        sa.Column("updated_by", sa.String(128)),
        _stamp("created_at"),
        _stamp("updated_at"),
    )
    op.create_index("ix_enterprise_district", "enterprise", ["district"])
    op.create_table(
        "lease",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lessor_code", sa.String(18), nullable=False),
        sa.Column("lessee_code", sa.String(18), nullable=False),
        sa.Column("parcel_code", sa.String(64), nullable=False),
        sa.Column("area_mu", sa.Float()),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("to_on", sa.Date(), nullable=False),
        sa.Column("source_file", sa.Text()),
        sa.Column("source_row", sa.String(32)),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True)),
    )
    for column in ("lessor_code", "lessee_code", "parcel_code"):
        op.create_index(f"ix_lease_{column}", "lease", [column])
    op.create_table(
        "figure_vintage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("units", sa.Text()),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_figure_vintage_current",
        "figure_vintage",
        ["source", "year"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )
    op.create_table(
        "enterprise_figure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vintage_id", sa.Integer(), sa.ForeignKey("figure_vintage.id"), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("source_row", sa.String(32)),
        sa.Column("name_given", sa.Text()),
        sa.Column("unmatched", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("name_differs", sa.Boolean(), nullable=False, server_default="0"),
        *(sa.Column(name, sa.Float()) for name in FIGURES),
        sa.UniqueConstraint("vintage_id", "credit_code"),
    )
    op.create_index("ix_enterprise_figure_credit_code", "enterprise_figure", ["credit_code"])


def downgrade() -> None:
    op.drop_table("enterprise_figure")
    op.drop_table("figure_vintage")
    op.drop_table("lease")
    op.drop_table("enterprise")
    op.drop_index("ix_parcel_holder_credit_code", "parcel")
    with op.batch_alter_table("parcel") as batch:
        batch.drop_column("holder_credit_code")
