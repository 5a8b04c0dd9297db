"""Schema migrations (Alembic) run from code: ``landbank init`` upgrades to head.

Opening a store asks only which revision is head and which one the database is at:
both are answered without Alembic (its import and the loading of every migration
script took half a second of every command); Alembic is loaded to migrate.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)\s*$", re.M
)


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str:
    """Returns the newest migration's revision id: the one no migration script names as
    its ``down_revision``, read from the scripts' text; Alembic's answer where the
    scripts are not one plain chain (a merge, a branch)."""
    revisions, downs = set(), set()
    for script in sorted((MIGRATIONS / "versions").glob("[0-9]*.py")):
        found = dict((k, v) for k, v in _REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return _alembic_head()
        revisions.add(found["revision"])
        downs.add(found["down_revision"] or None)
    heads = revisions - downs
    if len(heads) != 1 or len(downs) != len(revisions):
        return _alembic_head()
    return heads.pop()


def _alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Returns the database's revision, or None for an empty database (as Alembic's
    ``MigrationContext.get_current_revision``: more than one row is an error)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the {VERSION_TABLE} table has more than one head: {rows}")
    return rows[0] if rows else None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrades the database to head in one transaction; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    return before, head_revision()


def autogenerate(engine: Engine, message: str) -> None:
    """Writes a new migration from the difference between the models and ``engine`` (dev)."""
    from alembic import command

    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
