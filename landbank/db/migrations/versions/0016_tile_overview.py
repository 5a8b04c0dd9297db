"""The tile overview: which parcels each tile of the low zooms (``domain.tile_overview``'s
OVERVIEW_ZOOMS) shows, decided ahead for every tile, with each shape simplified for its
zoom, so a low-zoom tile reads at most MAX_FEATURES rows by its key instead of sorting
every parcel its box holds. It is built when first needed (``services.tiles``), not by
an import, and joins the parcel's live row by id: a parcel's category, status or
retirement shows at once without building anything.

``tile_overview`` (z, x, y, parcel_id, geom): the rows of one tile together (SQLite:
WITHOUT ROWID on the key; PostgreSQL: the key's index, rows written in key order).
``geom`` is the shape as the tile draws it: on PostgreSQL already on the tile's grid
(ST_AsMVTGeom done when built: the tile's ST_AsMVT only encodes), elsewhere in lon/lat
simplified for the zoom (the Python encoder clips and snaps it).
``tile_overview_state``: one row while an overview is built, what it was built from
(``parcels`` current parcels, the last parcel id then: a parcel of a higher id is new
since). ``tile_moved`` (parcel_id): a parcel whose shape changed since, one row per
change, written by a trigger on an update of ``parcel.geom`` that changes it (a
row-level trigger that fires only when a statement sets ``geom``: imports insert, and
classify's write-back does not set it). A build empties it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

STATE = (
    "CREATE TABLE tile_overview_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "parcels INTEGER NOT NULL, last_parcel_id INTEGER NOT NULL)"
)
MOVED = "CREATE TABLE tile_moved (parcel_id INTEGER NOT NULL)"
MOVED_INDEX = "CREATE INDEX ix_tile_moved_parcel_id ON tile_moved (parcel_id)"

SQLITE = [
    "CREATE TABLE tile_overview (z INTEGER NOT NULL, x INTEGER NOT NULL, "
    "y INTEGER NOT NULL, parcel_id INTEGER NOT NULL, geom BLOB, "
    "PRIMARY KEY (z, x, y, parcel_id)) WITHOUT ROWID",
    STATE,
    MOVED,
    MOVED_INDEX,
    "CREATE TRIGGER parcel_tiles_moved AFTER UPDATE OF geom ON parcel "
    "WHEN OLD.geom IS NOT NEW.geom "
    "BEGIN INSERT INTO tile_moved (parcel_id) VALUES (NEW.id); END",
]

POSTGRES = [
    "CREATE TABLE tile_overview (z smallint NOT NULL, x integer NOT NULL, "
    "y integer NOT NULL, parcel_id integer NOT NULL, geom geometry, "
    "PRIMARY KEY (z, x, y, parcel_id))",
    STATE,
    MOVED,
    MOVED_INDEX,
    """CREATE FUNCTION landbank_tiles_moved() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO tile_moved (parcel_id) VALUES (NEW.id);
    RETURN NEW;
END $$""",
    # BEFORE: no event queued per row (a statement may set geom on many parcels)
    "CREATE TRIGGER parcel_tiles_moved BEFORE UPDATE OF geom ON parcel FOR EACH ROW "
    "WHEN (OLD.geom IS DISTINCT FROM NEW.geom) EXECUTE FUNCTION landbank_tiles_moved()",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for sql in POSTGRES if postgres else SQLITE:
        op.execute(sql)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS parcel_tiles_moved ON parcel")
        op.execute("DROP FUNCTION IF EXISTS landbank_tiles_moved()")
    else:
        op.execute("DROP TRIGGER IF EXISTS parcel_tiles_moved")
    for name in ("tile_moved", "tile_overview_state", "tile_overview"):
        op.execute(f"DROP TABLE IF EXISTS {name}")
