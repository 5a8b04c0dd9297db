"""A whole-city classify rewrites every parcel's category in place, without touching
the parcel table's indexes.

``landbank classify`` writes four derived columns of every parcel whose values change
(all of them on the first run after an import). On PostgreSQL a row update that
changes no indexed column and finds room on its page is a heap-only tuple (HOT): no
index entry is written. At a million parcels that is the difference between 14 s and
90-110 s for the UPDATE, which otherwise writes nine index entries per row (the GiST
of the shapes among them). So:

- ``ix_parcel_category`` goes (both engines). Nothing reads through it that a scan
  does not do as fast: the land pool's way in (``approved_not_supplied``, 12 % of the
  parcels, spread over every page) reads the same pages by a scan (measured 0.5-0.7 s
  both ways at 10⁶).
- PostgreSQL: the parcel table fills its pages to 40 % (``fillfactor = 40``), so the
  new version of every row on a page fits beside the old one within one transaction:
  an imported row is ~0.57 kB and ~0.82 kB once classified (reasons and flags), five
  rows to a page then, where 50 % packs seven and only five of their new versions fit
  (71 % HOT, measured). The table takes ~2.5 times the pages of a packed one. Pages
  written before this migration keep their fill until rewritten.
- PostgreSQL: migration 0014's change-log trigger (``parcel_land_touch``, which stamps
  ``land_tx``, an indexed column) is skipped while the transaction has set
  ``landbank.land_bulk`` to ``on``; the writer then logs one "everything" mark in
  ``land_gone`` instead (``EngineSql.rewriting``). SQLite lifts its logging trigger
  the same way within the transaction.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# migration 0014's land columns and trigger condition, frozen here
LAND_COLUMNS = ("code", "name", "district", "park", "land_use", "land_use_class", "holder",
                "category", "area_mu", "land_price_wan", "parent_code", "developed_area_mu",
                "retired", "geom")  # fmt: skip
CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in LAND_COLUMNS)
BULK = "current_setting('landbank.land_bulk', true) IS DISTINCT FROM 'on'"


def _touch_trigger(when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS parcel_land_touch ON parcel")
    op.execute(
        f"CREATE TRIGGER parcel_land_touch BEFORE UPDATE OF {', '.join(LAND_COLUMNS)} "
        f"ON parcel FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION landbank_parcel_touch()"
    )


def upgrade() -> None:
    op.drop_index("ix_parcel_category", table_name="parcel")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE parcel SET (fillfactor = 40)")
    _touch_trigger(f"{BULK} AND ({CHANGED})")


def downgrade() -> None:
    op.create_index("ix_parcel_category", "parcel", ["category"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE parcel RESET (fillfactor)")
    _touch_trigger(CHANGED)
