"""Settings, read once at start and passed in as arguments (the domain never reads them)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from landbank.errors import InputError

DEFAULT_DB = "sqlite:///landbank.sqlite"


def database_url(cli_value: str | None = None) -> str:
    """Returns the database URL: ``--db``, else ``LANDBANK_DB``, else the local SpatiaLite file."""
    return cli_value or os.environ.get("LANDBANK_DB") or DEFAULT_DB


@dataclass(frozen=True)
class Profile:
    """A city's settings: name, jurisdiction, rule thresholds, admission standard,
    grading, land-use crosswalk. A city's file is laid over the default profile."""

    name: str
    jurisdiction_bbox: tuple[float, float, float, float] | None = None
    gk_zone_3deg: int | None = None
    data: dict = field(default_factory=dict)

    @property
    def rules(self) -> dict:
        return self.data.get("rules", {})

    @property
    def standard(self) -> dict:
        return self.data.get("standard", {})

    @property
    def grading(self) -> dict:
        return self.data.get("grading", {})

    @property
    def crosswalk(self) -> dict[str, str]:
        return self.data.get("crosswalk", {})


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _shipped(name: str):
    return resources.files("landbank.profiles") / f"{name}.toml"


def load_profile(name_or_path: str | None = None) -> Profile:
    """Reads a profile TOML: a path, or a name shipped in ``landbank/profiles``.

    The name comes from the argument, else ``LANDBANK_PROFILE``, else ``default``.
    """
    ref = name_or_path or os.environ.get("LANDBANK_PROFILE") or "default"
    path = Path(ref)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise InputError(f"profile {ref}: no such file; give a .toml path or a shipped name")
        text = path.read_text(encoding="utf-8")
    else:
        shipped = _shipped(ref)
        if not shipped.is_file():
            names = sorted(
                p.name.removesuffix(".toml")
                for p in resources.files("landbank.profiles").iterdir()
                if p.name.endswith(".toml")
            )
            raise InputError(f"profile {ref!r} is unknown; use one of {', '.join(names)} or a path")
        text = shipped.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"profile {ref}: not valid TOML ({exc}); fix the file") from None
    if ref != "default":
        data = _merge(tomllib.loads(_shipped("default").read_text(encoding="utf-8")), data)
    juris = data.get("jurisdiction", {})
    bbox = juris.get("bbox")
    if bbox is not None and not (
        isinstance(bbox, list)
        and len(bbox) == 4
        and all(isinstance(v, int | float) for v in bbox)
        and bbox[0] < bbox[2]
        and bbox[1] < bbox[3]
    ):
        raise InputError(
            f"profile {ref}: [jurisdiction] bbox must be [west, south, east, north] in "
            "degrees, e.g. [116.8, 34.4, 118.0, 35.4]"
        )
    zone = juris.get("gk_zone_3deg")
    if zone is not None and not (isinstance(zone, int) and 25 <= zone <= 45):
        raise InputError(f"profile {ref}: [jurisdiction] gk_zone_3deg must be 25 to 45")
    return Profile(
        name=data.get("name", ref),
        jurisdiction_bbox=tuple(bbox) if bbox else None,
        gk_zone_3deg=zone,
        data=data,
    )
