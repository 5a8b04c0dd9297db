"""Classification: flags and the date classified, contract targets and intensities.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_FLOATS = [
    "footprint_m2",
    "plot_ratio_min",
    "building_coverage_min",
    "target_tax_wan_per_mu",
    "target_output_wan_per_mu",
    "target_investment_wan_per_mu",
]


def upgrade() -> None:
    with op.batch_alter_table("parcel", recreate="never") as batch:
        for name in NEW_FLOATS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.add_column(sa.Column("category_flags", sa.Text(), nullable=True))
        batch.add_column(sa.Column("classified_as_of", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parcel") as batch:
        for name in [*NEW_FLOATS, "category_flags", "classified_as_of"]:
            batch.drop_column(name)
