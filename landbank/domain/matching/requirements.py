"""A project's requirement (招商项目需求): land or floor space, read from the dict of a
TOML / JSON file or of command-line options, checked field by field. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from landbank.domain.buildings import BUILDING_TYPE_VALUES, BUILDING_TYPES
from landbank.domain.landuse import CLASSES


class RequirementError(ValueError):
    """A requirement the matcher cannot use; the message names the field and the fix."""


@dataclass(frozen=True)
class Place:
    """Where a project wants to be: districts, parks, a point and a radius."""

    districts: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()
    near: tuple[float, float] | None = None  # lon, lat
    within_km: float | None = None


@dataclass(frozen=True)
class LandNeed:
    area_mu_min: float
    area_mu_max: float
    land_use: str | None = None  # a class of CLASSES
    area_mu_preferred: float | None = None
    ready_by: dt.date | None = None
    max_price_wan: float | None = None
    investment_wan: float | None = None
    annual_output_wan: float | None = None
    annual_tax_wan: float | None = None


@dataclass(frozen=True)
class FloorNeed:
    area_m2_min: float
    area_m2_max: float
    building_type: str | None = None
    min_floor_load_kn_m2: float | None = None
    min_clear_height_m: float | None = None
    max_floor: int | None = None
    min_power_kva: float | None = None
    ready_by: dt.date | None = None
    max_rent: float | None = None  # yuan per m² per month


@dataclass(frozen=True)
class Requirement:
    """One project's requirement: exactly one of ``land`` and ``floor_space``."""

    name: str | None
    industry: str | None
    place: Place = field(default_factory=Place)
    land: LandNeed | None = None
    floor_space: FloorNeed | None = None

    @property
    def kind(self) -> str:
        return "land" if self.land is not None else "floor_space"


NAME_MAX = 200  # a project's name, as stored
TOP_KEYS = ("name", "industry", "land", "floor_space")
PLACE_KEYS = ("districts", "parks", "near", "within_km")
LAND_KEYS = (
    "area_mu_min",
    "area_mu_max",
    "area_mu_preferred",
    "land_use",
    "ready_by",
    "max_price_wan",
    "investment_wan",
    "annual_output_wan",
    "annual_tax_wan",
    *PLACE_KEYS,
)
FLOOR_KEYS = (
    "area_m2_min",
    "area_m2_max",
    "building_type",
    "min_floor_load_kn_m2",
    "min_clear_height_m",
    "max_floor",
    "min_power_kva",
    "ready_by",
    "max_rent",
    *PLACE_KEYS,
)


def _number(table: dict, key: str, where: str, whole: bool = False) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise RequirementError(f"{where}{key} = {value!r}: write a number, e.g. {key} = 60")
    if value < 0:
        raise RequirementError(f"{where}{key} = {value!r}: must not be negative")
    if whole and value != int(value):
        raise RequirementError(f"{where}{key} = {value!r}: write a whole number")
    return int(value) if whole else float(value)


def _date(table: dict, key: str, where: str) -> dt.date | None:
    value = table.get(key)
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise RequirementError(f"{where}{key} = {value!r}: write a date as YYYY-MM-DD")


def _names(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    # a lone string is refused, not read as a list of one: "薛城区" is no list
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RequirementError(f'{where}{key}: write a list of names, e.g. {key} = ["薛城区"]')
    return tuple(v.strip() for v in value)


def _place(table: dict, where: str) -> Place:
    near = table.get("near")
    if near is not None:
        ok = (
            isinstance(near, list)
            and len(near) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in near)
        )
        if not ok or not (-180 <= near[0] <= 180 and -90 <= near[1] <= 90):
            raise RequirementError(
                f"{where}near = {near!r}: write [lon, lat] in degrees, "
                "e.g. near = [117.285, 34.805]"
            )
        near = (float(near[0]), float(near[1]))
    within = _number(table, "within_km", where)
    if within is not None and near is None:
        raise RequirementError(f"{where}within_km needs near = [lon, lat]")
    if near is not None and within is None:
        raise RequirementError(f"{where}near needs within_km, e.g. within_km = 10")
    if within is not None and within <= 0:
        raise RequirementError(f"{where}within_km = {within}: must be above 0")
    return Place(_names(table, "districts", where), _names(table, "parks", where), near, within)


def _unknown(table: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise RequirementError(
                f"{where}{key} is not a requirement field; use {', '.join(allowed)}"
            )


def _range(lo: float | None, hi: float | None, lo_key: str, hi_key: str, where: str):
    if lo is None and hi is None:
        raise RequirementError(f"{where}{lo_key} and {hi_key} are required, e.g. {lo_key} = 60")
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else lo
    if hi <= 0 or hi < lo:
        raise RequirementError(f"{where}{hi_key} = {hi} must be above 0 and at least {lo_key}")
    return lo, hi


def land_use_class(value, crosswalk: dict[str, str], where: str) -> str | None:
    """A land-use class from a class name or a source code through the crosswalk."""
    if value is None:
        return None
    text = str(value).strip()
    if text in CLASSES:
        return text
    found = crosswalk.get(text) or crosswalk.get(text[:2])
    if found:
        return found
    raise RequirementError(
        f"{where}land_use = {value!r}: use one of {', '.join(CLASSES)} or a land-use code "
        "of the profile's crosswalk (0601, 1001, ...)"
    )


def read_requirement(data: dict, crosswalk: dict[str, str]) -> Requirement:
    """Reads a requirement dict (a TOML / JSON file's top level): name, industry, and a
    ``land`` or a ``floor_space`` table. Raises RequirementError naming the field."""
    if not isinstance(data, dict):
        raise RequirementError("the file must hold a table with name and [land] or [floor_space]")
    _unknown(data, TOP_KEYS, "")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise RequirementError(f"name = {name!r}: write the project's name as text")
    if name is not None and len(name.strip()) > NAME_MAX:
        raise RequirementError(f"name: {len(name.strip())} characters; at most {NAME_MAX}")
    industry = data.get("industry")
    if industry is not None:
        industry = str(industry).strip()
        if not (industry.isdigit() and 1 <= len(industry) <= 4):
            raise RequirementError(
                f"industry = {data['industry']!r}: write a 国民经济行业分类 code of up to 4 "
                'digits, e.g. industry = "3811"'
            )
    land, floor = data.get("land"), data.get("floor_space")
    if (land is None) == (floor is None):
        raise RequirementError("give exactly one of a [land] table and a [floor_space] table")
    table = land if land is not None else floor
    where = "[land] " if land is not None else "[floor_space] "
    if not isinstance(table, dict):
        raise RequirementError(f"{where.strip()} must be a table of fields")
    place = _place(table, where)
    if land is not None:
        _unknown(land, LAND_KEYS, where)
        lo, hi = _range(
            _number(land, "area_mu_min", where),
            _number(land, "area_mu_max", where),
            "area_mu_min",
            "area_mu_max",
            where,
        )
        need = LandNeed(
            area_mu_min=lo,
            area_mu_max=hi,
            area_mu_preferred=_number(land, "area_mu_preferred", where),
            land_use=land_use_class(land.get("land_use"), crosswalk, where),
            ready_by=_date(land, "ready_by", where),
            max_price_wan=_number(land, "max_price_wan", where),
            investment_wan=_number(land, "investment_wan", where),
            annual_output_wan=_number(land, "annual_output_wan", where),
            annual_tax_wan=_number(land, "annual_tax_wan", where),
        )
        return Requirement(name and name.strip(), industry, place, land=need)
    _unknown(floor, FLOOR_KEYS, where)
    lo, hi = _range(
        _number(floor, "area_m2_min", where),
        _number(floor, "area_m2_max", where),
        "area_m2_min",
        "area_m2_max",
        where,
    )
    kind = floor.get("building_type")
    if kind is not None:
        kind = BUILDING_TYPE_VALUES.get(str(kind).strip().lower())
        if kind is None:
            raise RequirementError(
                f"{where}building_type = {floor['building_type']!r}: use one of "
                f"{', '.join(BUILDING_TYPES)}"
            )
    need = FloorNeed(
        area_m2_min=lo,
        area_m2_max=hi,
        building_type=kind,
        min_floor_load_kn_m2=_number(floor, "min_floor_load_kn_m2", where),
        min_clear_height_m=_number(floor, "min_clear_height_m", where),
        max_floor=_number(floor, "max_floor", where, whole=True),
        min_power_kva=_number(floor, "min_power_kva", where),
        ready_by=_date(floor, "ready_by", where),
        max_rent=_number(floor, "max_rent", where),
    )
    return Requirement(name and name.strip(), industry, place, floor_space=need)
