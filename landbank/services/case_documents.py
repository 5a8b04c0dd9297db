"""Documents of an idle-land case beside its acts: the proof of service (送达回证) of
an act, filled from the act, its parcel and the profile, for the server to carry and
the receiver to sign (``landbank case receipt``)."""

from __future__ import annotations

from pathlib import Path

from landbank.config import Profile, load_profile
from landbank.db import cases, disposals
from landbank.db.store import Store
from landbank.domain.case_documents import service_receipt_fields
from landbank.errors import InputError, NotFoundError


def render_receipt(store: Store, number: str, profile: str | Profile | None = None) -> bytes:
    """The ``.docx`` of the proof of service of act ``number``: the document, its
    number, the receiver and their address, and, where the service is recorded, how
    and when (else boxes and lines to fill at the service); the profile's
    ``service_receipt`` template, the city's where it has one. Reads only."""
    from landbank.io.documents import render_docx

    prof = load_profile(profile)
    with store.read() as uow:
        act = cases.act_by_number(uow, number)
        if act is None:
            raise NotFoundError(
                f"no act is numbered {number!r}; see landbank case show CODE or "
                "landbank case numbers"
            )
        if act["status"] == "voided":
            raise InputError(f"{number} is voided: it is not served; issue a new one")
        parcel = disposals.subject(uow, act["parcel_code"]) or {}
    return render_docx(
        prof.template("service_receipt"), service_receipt_fields(act, parcel, prof.case)
    )


def receipt_filename(number: str) -> str:
    """The file name of act ``number``'s proof of service: 枣自然资闲调〔2026〕1号_送达回证.docx."""
    from landbank.services.cases import safe_filename

    return f"{safe_filename(number)}_送达回证.docx"


def write_receipt(
    store: Store, number: str, out: Path, profile: str | Profile | None = None
) -> Path:
    """Writes the proof of service of act ``number`` to ``out`` (a .docx, replaced
    whole); returns the path."""
    from landbank.io.files import atomic_path

    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise InputError(f"--out {out.name}: the proof of service is a Word file; name a .docx")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: folder {out.parent} does not exist; create it first")
    content = render_receipt(store, number, profile)
    with atomic_path(out, ".docx") as tmp:
        tmp.write_bytes(content)
    return out
