"""What changed in the land pool since a point: so a process that keeps the land pool
(migration 0007's stamps) patches it with the parcels written since it read them,
instead of reading every parcel again after one edit.

A change is known by a counter, ``seq``, that only grows in the order writes commit:
"the parcel codes touched since seq N" is one indexed query. A touched code is a
parcel's (inserted, deleted, a column the land pool reads updated, its old code when it
is renamed) or a disposal's parcel code (any change of a disposal: the pool reads the
latest recovery disposal). A NULL code means "too much to list": the reader builds the
pool again.

SQLite (one writer at a time, so a counter taken at write time is in commit order):
``land_change`` (seq AUTOINCREMENT, code), one row per row written, by triggers named
``<table>_restamp_log_<event>`` (a bulk load keeps ``<table>_restamp_*``). Kept to the
last 65,536 rows; a reader older than that rebuilds.

PostgreSQL (writers commit in any order: the counter is taken at commit): the written
rows carry their transaction, ``land_tx``: a column default (``txid_current()``) for
new rows, so a bulk load runs no trigger, and a row trigger before an update that
changes a pool column. A deleted row's code (and a renamed parcel's old one) goes to
``land_gone`` (tx, code) by a statement trigger (NULL code when over 1,000 rows, or a
truncate). At commit, migration 0007's deferred trigger, holding the land stamp's row
lock, numbers the transaction: ``land_commit`` (seq from ``land_commit_seq``, tx). A
later seq never becomes visible before an earlier one (the lock is released after the
commit is visible). Rows from before this migration have a NULL ``land_tx``: unchanged
since any kept pool.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# the parcel columns the land pool reads (migration 0007's LAND_COLUMNS)
LAND_COLUMNS = ("code", "name", "district", "park", "land_use", "land_use_class", "holder",
                "category", "area_mu", "land_price_wan", "parent_code", "developed_area_mu",
                "retired", "geom")  # fmt: skip
LOG_KEPT = 65536  # SQLite: rows of land_change kept
BIG = 1000  # PostgreSQL: a statement deleting more rows notes NULL (rebuild)

# SQLite: table -> (the code column, the update that is logged)
SQLITE_LOGGED = {
    "parcel": ("code", f"UPDATE OF {', '.join(LAND_COLUMNS)}"),
    "disposal": ("parcel_code", "UPDATE"),
}


def _sqlite_upgrade() -> None:
    op.execute("CREATE TABLE land_change (seq INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(64))")
    op.execute(
        "CREATE TRIGGER land_change_prune AFTER INSERT ON land_change "
        f"WHEN NEW.seq % 1024 = 0 BEGIN "
        f"DELETE FROM land_change WHERE seq <= NEW.seq - {LOG_KEPT}; END"
    )
    for table, (code, update) in SQLITE_LOGGED.items():
        log = "INSERT INTO land_change (code) VALUES"
        op.execute(
            f"CREATE TRIGGER {table}_restamp_log_insert AFTER INSERT ON {table} "
            f"BEGIN {log} (NEW.{code}); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_restamp_log_delete AFTER DELETE ON {table} "
            f"BEGIN {log} (OLD.{code}); END"
        )
        # the old code too when the code itself changes (a renamed parcel leaves)
        op.execute(
            f"CREATE TRIGGER {table}_restamp_log_update AFTER {update} ON {table} "
            f"BEGIN {log} (NEW.{code}); "
            f"INSERT INTO land_change (code) SELECT OLD.{code} "
            f"WHERE OLD.{code} IS NOT NEW.{code}; END"
        )


PG_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in LAND_COLUMNS)

PG_SETUP = f"""
ALTER TABLE parcel ADD COLUMN land_tx bigint;
ALTER TABLE parcel ALTER COLUMN land_tx SET DEFAULT txid_current();
ALTER TABLE disposal ADD COLUMN land_tx bigint;
ALTER TABLE disposal ALTER COLUMN land_tx SET DEFAULT txid_current();
CREATE INDEX ix_parcel_land_tx ON parcel (land_tx);
CREATE INDEX ix_disposal_land_tx ON disposal (land_tx);
CREATE TABLE land_gone (tx bigint NOT NULL, code varchar(64));
CREATE INDEX ix_land_gone_tx ON land_gone (tx);
CREATE SEQUENCE land_commit_seq;
CREATE TABLE land_commit (seq bigint PRIMARY KEY, tx bigint NOT NULL);

CREATE FUNCTION landbank_parcel_touch() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    NEW.land_tx := txid_current();
    IF OLD.code IS DISTINCT FROM NEW.code THEN
        INSERT INTO land_gone (tx, code) VALUES (txid_current(), OLD.code);
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION landbank_disposal_touch() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    NEW.land_tx := txid_current();
    IF OLD.parcel_code IS DISTINCT FROM NEW.parcel_code THEN
        INSERT INTO land_gone (tx, code) VALUES (txid_current(), OLD.parcel_code);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER parcel_land_touch BEFORE UPDATE OF {", ".join(LAND_COLUMNS)} ON parcel
    FOR EACH ROW WHEN ({PG_CHANGED}) EXECUTE FUNCTION landbank_parcel_touch();
CREATE TRIGGER disposal_land_touch BEFORE UPDATE ON disposal
    FOR EACH ROW EXECUTE FUNCTION landbank_disposal_touch();

CREATE FUNCTION landbank_parcel_gone() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF (SELECT count(*) FROM gone) > {BIG} THEN
        INSERT INTO land_gone (tx, code) VALUES (txid_current(), NULL);
    ELSE
        INSERT INTO land_gone (tx, code) SELECT txid_current(), code FROM gone;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION landbank_disposal_gone() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF (SELECT count(*) FROM gone) > {BIG} THEN
        INSERT INTO land_gone (tx, code) VALUES (txid_current(), NULL);
    ELSE
        INSERT INTO land_gone (tx, code) SELECT txid_current(), parcel_code FROM gone;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION landbank_land_truncated() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO land_gone (tx, code) VALUES (txid_current(), NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER parcel_land_gone AFTER DELETE ON parcel REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION landbank_parcel_gone();
CREATE TRIGGER disposal_land_gone AFTER DELETE ON disposal REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION landbank_disposal_gone();
CREATE TRIGGER parcel_land_truncated AFTER TRUNCATE ON parcel
    FOR EACH STATEMENT EXECUTE FUNCTION landbank_land_truncated();
CREATE TRIGGER disposal_land_truncated AFTER TRUNCATE ON disposal
    FOR EACH STATEMENT EXECUTE FUNCTION landbank_land_truncated();
"""

# migration 0007's landbank_restamp, numbering a transaction that changed the land
PG_RESTAMP = """
CREATE OR REPLACE FUNCTION landbank_restamp() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    noted text;
BEGIN
    FOR noted IN SELECT DISTINCT name FROM data_stamp_pending WHERE tx = NEW.tx ORDER BY name
    LOOP
        UPDATE data_stamp SET stamp = floor(random() * 9.0e18)::bigint WHERE name = noted;
        IF noted = 'land' THEN
            -- under the land stamp's row lock: seqs are taken in commit order
            INSERT INTO land_commit (seq, tx) VALUES (nextval('land_commit_seq'), NEW.tx);
        END IF;
    END LOOP;
    DELETE FROM data_stamp_pending WHERE tx = NEW.tx;
    RETURN NULL;
END $$;
"""

PG_RESTAMP_0007 = """
CREATE OR REPLACE FUNCTION landbank_restamp() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    noted text;
BEGIN
    FOR noted IN SELECT DISTINCT name FROM data_stamp_pending WHERE tx = NEW.tx ORDER BY name
    LOOP
        UPDATE data_stamp SET stamp = floor(random() * 9.0e18)::bigint WHERE name = noted;
    END LOOP;
    DELETE FROM data_stamp_pending WHERE tx = NEW.tx;
    RETURN NULL;
END $$;
"""


# what the land pool's parcels are found by, so that reading the pool reads only its
# rows: the reserve's holders (their distinct names, then the rows) and split parcels
INDEXES = {"ix_parcel_holder": "holder", "ix_parcel_parent_code": "parent_code"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.create_index(name, "parcel", [column])
    if op.get_bind().dialect.name != "postgresql":
        _sqlite_upgrade()
        return
    op.execute(PG_SETUP)
    op.execute(PG_RESTAMP)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="parcel")
    if op.get_bind().dialect.name != "postgresql":
        for table in SQLITE_LOGGED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp_log_{event}")
        op.execute("DROP TABLE IF EXISTS land_change")
        return
    op.execute(PG_RESTAMP_0007)
    for table in ("parcel", "disposal"):
        for trigger in ("land_touch", "land_gone", "land_truncated"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS land_tx")
    for function in ("parcel_touch", "disposal_touch", "parcel_gone", "disposal_gone",
                     "land_truncated"):  # fmt: skip
        op.execute(f"DROP FUNCTION IF EXISTS landbank_{function}()")
    op.execute("DROP TABLE IF EXISTS land_gone")
    op.execute("DROP TABLE IF EXISTS land_commit")
    op.execute("DROP SEQUENCE IF EXISTS land_commit_seq")
