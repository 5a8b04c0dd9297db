"""Attachments: files kept inside the database once per sha256 (``attachment``) and
where each belongs (``attachment_link``). One storage for documents, proofs of
service, evidence and survey photos."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from landbank.db.dialects import sql_of
from landbank.db.models import Attachment, AttachmentLink

F, L = Attachment.__table__, AttachmentLink.__table__


def put(conn: Connection, sha256: str, media_type: str, content: bytes) -> int:
    """The id of the file whose content has ``sha256``, stored now if it is new."""
    return put_new(conn, sha256, media_type, content)[0]


def put_new(conn: Connection, sha256: str, media_type: str, content: bytes) -> tuple[int, bool]:
    """(id, stored now?) of the file whose content has ``sha256``: stored once, also
    when two units store the same content at once (the second waits for the first and
    then finds it)."""
    found = conn.execute(select(F.c.id).where(F.c.sha256 == sha256)).scalar()
    if found is not None:
        return found, False
    stmt = (
        sql_of(conn)
        .insert(F)
        .values(sha256=sha256, media_type=media_type, size_bytes=len(content), content=content)
    )
    made = conn.execute(
        stmt.on_conflict_do_nothing(index_elements=[F.c.sha256]).returning(F.c.id)
    ).scalar()
    if made is not None:
        return made, True
    return conn.execute(select(F.c.id).where(F.c.sha256 == sha256)).scalar_one(), False


def link(conn: Connection, values: dict) -> int:
    """Links a stored file (``values``: the columns of ``attachment_link`` but id);
    returns the link's id."""
    return conn.execute(insert(L).values(**values).returning(L.c.id)).scalar_one()


_META = (
    L.c.id,
    L.c.attachment_id,
    L.c.parcel_code,
    L.c.building_code,
    L.c.disposal_id,
    L.c.act_id,
    L.c.role,
    L.c.filename,
    L.c.note,
    L.c.by,
    L.c.at,
    F.c.sha256,
    F.c.media_type,
    F.c.size_bytes,
)


def links(
    conn: Connection,
    disposal_id: int | None = None,
    act_id: int | None = None,
    parcel_code: str | None = None,
    role: str | None = None,
) -> list[dict]:
    """The links (with their file's sha256, type and size, not its content) that
    match every filter given, oldest first."""
    stmt = select(*_META).join(F, F.c.id == L.c.attachment_id)
    for col, value in (
        (L.c.disposal_id, disposal_id),
        (L.c.act_id, act_id),
        (L.c.parcel_code, parcel_code),
        (L.c.role, role),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    return [dict(r) for r in conn.execute(stmt.order_by(L.c.id)).mappings()]


def content(conn: Connection, attachment_id: int) -> bytes:
    """The bytes of stored file ``attachment_id``."""
    return conn.execute(select(F.c.content).where(F.c.id == attachment_id)).scalar_one()
