"""Who may do what: roles (viewer, clerk, admin) and the districts a clerk may edit."""

from __future__ import annotations

from dataclasses import dataclass

ROLES: dict[str, dict[str, str]] = {
    "viewer": {"zh": "查看", "en": "viewer"},
    "clerk": {"zh": "经办", "en": "clerk"},
    "admin": {"zh": "管理员", "en": "admin"},
}


@dataclass(frozen=True)
class User:
    """A signed-in person: name, role, and the districts a clerk may edit (empty: all)."""

    name: str
    role: str
    districts: tuple[str, ...] = ()

    @property
    def can_write(self) -> bool:
        return self.role in ("clerk", "admin")

    def may_edit(self, district: str | None) -> bool:
        """A clerk edits parcels of their districts (all when none are listed); an admin
        edits every parcel; a viewer none."""
        if self.role == "admin":
            return True
        if self.role != "clerk":
            return False
        return not self.districts or district in self.districts

    @property
    def write_districts(self) -> tuple[str, ...] | None:
        """The districts this user may write in; None for all."""
        if self.role == "admin" or (self.role == "clerk" and not self.districts):
            return None
        return self.districts if self.role == "clerk" else ()


def parse_districts(text: str | None) -> tuple[str, ...]:
    """``A,B`` (also with Chinese commas or 、) into a tuple of names."""
    if not text:
        return ()
    for sep in ("，", "、"):
        text = text.replace(sep, ",")
    return tuple(d.strip() for d in text.split(",") if d.strip())
