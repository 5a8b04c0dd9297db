"""Who may do what: roles (viewer, clerk, admin, surveyor) and the districts a clerk
may edit and a surveyor may survey."""

from __future__ import annotations

from dataclasses import dataclass

from landbank.errors import ForbiddenError

ROLES: dict[str, dict[str, str]] = {
    "viewer": {"zh": "查看", "en": "viewer"},
    "clerk": {"zh": "经办", "en": "clerk"},
    "admin": {"zh": "管理员", "en": "admin"},
    # reads and writes only the records of their own survey tasks (``may_survey``)
    "surveyor": {"zh": "排摸员", "en": "surveyor"},
}
# the roles given districts: a clerk edits in them, a surveyor surveys in them
DISTRICT_ROLES = ("clerk", "surveyor")


@dataclass(frozen=True)
class User:
    """A signed-in person: name, role, and the districts a clerk may edit (empty: all);
    ``id`` and ``token_version`` as stored (what the person's tokens must carry)."""

    name: str
    role: str
    districts: tuple[str, ...] = ()
    id: int | None = None
    token_version: int = 0

    @property
    def can_write(self) -> bool:
        return self.role in ("clerk", "admin")

    @property
    def is_surveyor(self) -> bool:
        """A surveyor sees and writes only their own survey tasks, nothing else."""
        return self.role == "surveyor"

    def may_survey(self, district: str | None) -> bool:
        """Whether a task in ``district`` may be given to this user: a surveyor of
        their districts (all when none are listed); no other role surveys."""
        if not self.is_surveyor:
            return False
        return may_write(self.districts or None, district)

    def may_edit(self, district: str | None) -> bool:
        """A clerk edits parcels of their districts (all when none are listed); an admin
        edits every parcel; a viewer none (the district rule, ``may_write``, on
        ``write_districts``)."""
        return may_write(self.write_districts, district)

    @property
    def write_districts(self) -> tuple[str, ...] | None:
        """The districts this user may write in; None for all."""
        if self.role == "admin" or (self.role == "clerk" and not self.districts):
            return None
        return self.districts if self.role == "clerk" else ()


def may_write(districts: tuple[str, ...] | None, district: str | None) -> bool:
    """The district rule, the one place it is written: with ``districts`` (a clerk's,
    from ``User.write_districts``; empty for a viewer) only what lies in one of them
    may be written, nothing without a district; None (an admin, a clerk of every
    district, the command line's operator) writes everywhere."""
    return districts is None or (district is not None and district in districts)


def check_district(
    districts: tuple[str, ...] | None, district: str | None, noun: str, code: str
) -> None:
    """The district rule, for every write: with ``districts`` (a clerk's, from
    ``User.write_districts``) the ``noun`` ``code`` lying in ``district`` may be written
    only when that district is one of them (ForbiddenError naming both otherwise);
    None (an admin, a clerk of every district, the command line's operator) writes
    everywhere. A reservation of a parcel is checked on the parcel's district, of a
    floor or unit on its building's."""
    if may_write(districts, district):
        return
    allowed = ", ".join(districts) or "none"
    where = district or "no district"
    raise ForbiddenError(f"{noun} {code} lies in {where}; you may edit {allowed} only")


def check_citywide(districts: tuple[str, ...] | None, what: str) -> None:
    """What covers the whole city (an office's figures of a year, replaced whole by the
    next import) is written only by a writer of every district: ``districts`` None (an
    admin, a clerk of every district, the command line's operator); ForbiddenError
    otherwise."""
    if districts is None:
        return
    allowed = ", ".join(districts) or "none"
    raise ForbiddenError(f"{what} cover the whole city; you may edit {allowed} only: ask an admin")


def check_project_owner(user_name: str | None, created_by: str | None, project: str) -> None:
    """A project lies in no district: who stored it owns it. With ``user_name`` (a
    clerk's) only a project that user stored may be replaced; None (an admin, the
    command line's operator) replaces any."""
    if user_name is None or created_by == user_name:
        return
    raise ForbiddenError(
        f"project {project!r} was stored by {created_by}; only they or an admin may replace it"
    )


def parse_districts(text: str | None) -> tuple[str, ...]:
    """``A,B`` (also with Chinese commas or 、) into a tuple of names."""
    if not text:
        return ()
    for sep in ("，", "、"):
        text = text.replace(sep, ",")
    return tuple(d.strip() for d in text.split(",") if d.strip())
