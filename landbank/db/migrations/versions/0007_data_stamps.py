"""Data stamps: a value that changes whenever what matching reads changes, so a process
may keep what it prepared from the data (the suppliable parcels with their neighbours,
the vacant floor space) until the stamp moves. Triggers move it, whoever writes: the
services, a bulk load, a GIS client editing the tables directly.

``land`` moves on any new, deleted or retired parcel, on an update of a column the land
pool reads, and on any change to a disposal; ``floor`` on any change to a building or a
vacancy. A stamp moves to a random value, not to the next number: a database copied
from a template or restored from a backup then never repeats a stamp of another's.

On PostgreSQL the stamp is moved at commit, once a transaction: a statement on a
watched table notes the transaction in ``data_stamp_pending`` (no key: writers never wait
on each other there), and a deferred trigger on that note moves the stamp and drops the
note. A writer so takes the stamp row's lock last and only while committing: writers
cannot deadlock on it (several stamps are moved in name order). The watched tables carry
no pending trigger events, so a bulk load may still rebuild their indexes in its
transaction. The functions run as their owner (SECURITY DEFINER, the search path of the
migration): a GIS client allowed to edit parcels only still moves the stamp.

A later migration that rebuilds a watched table on SQLite (batch_alter_table) drops its
triggers and must create them again; a test checks they are all there at head.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# the parcel columns the land pool reads (db.matching.POOL_COLUMNS and geom)
LAND_COLUMNS = ("code", "name", "district", "park", "land_use", "land_use_class", "holder",
                "category", "area_mu", "land_price_wan", "parent_code", "developed_area_mu",
                "retired", "geom")  # fmt: skip
# table -> (stamp, columns whose update moves it; None: any)
WATCHED = {
    "parcel": ("land", LAND_COLUMNS),
    "disposal": ("land", None),
    "building": ("floor", None),
    "vacancy": ("floor", None),
}

PG_SETUP = """
CREATE TABLE data_stamp_pending (name varchar(16) NOT NULL, tx bigint NOT NULL);
CREATE FUNCTION landbank_note_change() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    done text := 'landbank.noted_' || TG_ARGV[0];
BEGIN
    IF coalesce(current_setting(done, true), '') <> txid_current()::text THEN
        INSERT INTO data_stamp_pending (name, tx) VALUES (TG_ARGV[0], txid_current());
        PERFORM set_config(done, txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION landbank_restamp() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    noted text;
BEGIN
    -- every stamp the transaction noted, in name order: two writers of parcels and
    -- buildings lock the stamps in one order and cannot deadlock on them
    FOR noted IN SELECT DISTINCT name FROM data_stamp_pending WHERE tx = NEW.tx ORDER BY name
    LOOP
        UPDATE data_stamp SET stamp = floor(random() * 9.0e18)::bigint WHERE name = noted;
    END LOOP;
    DELETE FROM data_stamp_pending WHERE tx = NEW.tx;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER data_stamp_pending_restamp AFTER INSERT ON data_stamp_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION landbank_restamp();
"""


def upgrade() -> None:
    op.create_table(
        "data_stamp",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    fresh = "floor(random() * 9.0e18)::bigint" if postgres else "random()"
    for name in ("land", "floor"):
        op.execute(f"INSERT INTO data_stamp (name, stamp) VALUES ('{name}', {fresh})")
    if postgres:
        op.execute(PG_SETUP)
    for table, (stamp, columns) in WATCHED.items():
        update = "UPDATE" + (f" OF {', '.join(columns)}" if columns else "")
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_restamp "
                f"AFTER INSERT OR DELETE OR TRUNCATE OR {update} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION landbank_note_change('{stamp}')"
            )
            continue
        for event in ("INSERT", "DELETE", update):
            op.execute(
                f"CREATE TRIGGER {table}_restamp_{event.split()[0].lower()} "
                f"AFTER {event} ON {table} BEGIN "
                f"UPDATE data_stamp SET stamp = random() WHERE name = '{stamp}'; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp_{event}")
    if postgres:
        op.execute("DROP TABLE IF EXISTS data_stamp_pending")
        op.execute("DROP FUNCTION IF EXISTS landbank_note_change()")
        op.execute("DROP FUNCTION IF EXISTS landbank_restamp()")
    op.drop_table("data_stamp")
