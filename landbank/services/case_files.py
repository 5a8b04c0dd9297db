"""The files of idle-land cases: attachments read and checked, documents written out
(with their PDF), the case file (案卷) as a zip."""

from __future__ import annotations

import hashlib
from pathlib import Path

from landbank.config import Profile, load_profile
from landbank.db import attachments, cases
from landbank.db.store import Store
from landbank.errors import InputError, NotFoundError
from landbank.io.documents import soffice, to_pdf

PDF = "application/pdf"


def read_attachment(path: Path, profile: str | Profile | None = None) -> tuple[str, bytes, str]:
    """Reads an attachment: (file name, content, media type). Its type is read from its
    content (PDF, JPEG, PNG) and must match its name; at most the profile's
    ``attachment_max_mb``."""
    import filetype

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    limit = float(prof.case.get("attachment_max_mb", 25)) * 1024 * 1024
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > limit:
        mb, most = size / 1048576, limit / 1048576
        raise InputError(f"{path}: {mb:.1f} MB, over the limit of {most:.0f} MB")
    content = path.read_bytes()
    kind = filetype.guess(content)
    media = kind.mime if kind is not None else None
    if media not in (PDF, "image/jpeg", "image/png"):
        raise InputError(f"{path}: its content is {media or 'unknown'}, not a PDF, JPEG or PNG")
    return path.name, content, media


def export_document(store: Store, number: str, folder: Path, pdf: bool = True) -> list[Path]:
    """Writes act ``number``'s document into ``folder`` (made if missing) and, with
    ``pdf`` where LibreOffice is installed, its PDF (made once and kept). Returns the
    paths written."""
    from landbank.services.cases import _keep, _safe, document

    name, docx = document(store, number)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name]
    paths[0].write_bytes(docx)
    if pdf and soffice() is not None:
        try:
            _, made = document(store, number, "pdf")
        except NotFoundError:
            made = to_pdf(docx)
            with store.write(by="landbank") as uow:
                act = cases.act_by_number(uow, number)
                if not attachments.links(uow, act_id=act["id"], role="pdf"):
                    _keep(uow, made, PDF, f"{_safe(number)}.pdf", "pdf", act["disposal_id"],
                          act["id"], act["parcel_code"])  # fmt: skip
        paths.append(folder / f"{_safe(number)}.pdf")
        paths[1].write_bytes(made)
    return paths


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
