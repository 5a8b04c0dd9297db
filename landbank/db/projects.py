"""Projects (table ``project``): a name and its requirement, stored as the JSON of
the file or request it came from."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from landbank.db.models import Project

PR = Project.__table__


def project(conn: Connection, name: str):
    """The stored project ``name`` as a mapping of its columns; None when there is
    none."""
    return conn.execute(select(PR).where(PR.c.name == name)).mappings().first()


def projects(conn: Connection) -> list:
    """Every stored project, by name, as mappings of their columns."""
    return conn.execute(select(PR).order_by(PR.c.name)).mappings().all()


def owner(conn: Connection, name: str) -> tuple[bool, str | None]:
    """(whether project ``name`` is stored, who stored it)."""
    row = conn.execute(select(PR.c.created_by).where(PR.c.name == name)).first()
    return (row is not None, row[0] if row is not None else None)


def put_project(conn: Connection, values: dict, replace: bool) -> None:
    """Stores a project (``values``: name, industry, kind, requirement, created_by),
    deleting the one of that name first when ``replace``; created_at is the
    database's time."""
    if replace:
        conn.execute(delete(PR).where(PR.c.name == values["name"]))
    conn.execute(insert(PR).values(**values))
