"""The per-mu evaluation by enterprise, kept: ``evaluation`` (one run for a year: the
moment whose data it read, the rule version, who and when; a later run of the same
year replaces it as current, the old one kept) and ``evaluation_grade`` (each
enterprise's land, score, grade, completeness, components and policies in that run).

``enterprise_figure`` gains ``water_t`` (用水量, from the water company, a sixth
source) and ``sewage_t`` (污水排放量, from ecology): the bases of the water and sewage
surcharges a grade may bring.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CURRENT = "replaced_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("enterprise_figure", recreate="never") as batch:
        batch.add_column(sa.Column("water_t", sa.Float()))
        batch.add_column(sa.Column("sewage_t", sa.Float()))
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("data_as_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_version", sa.String(96), nullable=False),
        sa.Column("profile_name", sa.Text(), nullable=False),
        sa.Column("profile_sha256", sa.String(64), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("vintages", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_evaluation_current",
        "evaluation",
        ["year"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )
    op.create_table(
        "evaluation_grade",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("evaluation.id"), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("cohort", sa.String(8)),
        sa.Column("district", sa.Text()),
        sa.Column("park", sa.Text()),
        sa.Column("held_mu", sa.Float(), nullable=False),
        sa.Column("rented_in_mu", sa.Float(), nullable=False),
        sa.Column("rented_out_mu", sa.Float(), nullable=False),
        sa.Column("land_mu", sa.Float(), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("grade", sa.String(1)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("cohort_rated", sa.Integer()),
        sa.Column("completeness", sa.Float(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("policies", sa.Text(), nullable=False),
        sa.UniqueConstraint("evaluation_id", "credit_code"),
    )
    op.create_index("ix_evaluation_grade_credit_code", "evaluation_grade", ["credit_code"])


def downgrade() -> None:
    op.drop_table("evaluation_grade")
    op.drop_table("evaluation")
    with op.batch_alter_table("enterprise_figure") as batch:
        batch.drop_column("sewage_t")
        batch.drop_column("water_t")
