"""Units written in a column's header (税收（元）, 用电量（万千瓦时）, 综合能耗（吨标准煤）)
and their conversion to the canonical unit of a figure (``tax_wan`` in 万元,
``power_kwh`` in kWh, ``energy_tce`` in tonnes of standard coal, ``emissions_t`` in
tonnes, ``employees`` in persons). Pure: headers and numbers in, factors and words out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# dimension -> {unit as written (folded by ``_fold``): factor to the canonical unit}
UNITS: dict[str, dict[str, float]] = {
    "money": {
        "元": 1e-4,
        "千元": 0.1,
        "万元": 1.0,
        "百万元": 100.0,
        "亿元": 1e4,
        "yuan": 1e-4,
        "wan": 1.0,
        "10kyuan": 1.0,
    },
    "electricity": {
        "千瓦时": 1.0,
        "度": 1.0,
        "kwh": 1.0,
        "万千瓦时": 1e4,
        "万度": 1e4,
        "万kwh": 1e4,
        "兆瓦时": 1e3,
        "mwh": 1e3,
        "亿千瓦时": 1e8,
        "gwh": 1e6,
    },
    "energy": {
        "吨标准煤": 1.0,
        "吨标煤": 1.0,
        "tce": 1.0,
        "万吨标准煤": 1e4,
        "万吨标煤": 1e4,
        "千克标准煤": 1e-3,
        "千克标煤": 1e-3,
        "kgce": 1e-3,
    },
    "mass": {"吨": 1.0, "t": 1.0, "千克": 1e-3, "公斤": 1e-3, "kg": 1e-3, "万吨": 1e4},
    "persons": {"人": 1.0, "万人": 1e4},
    # water is billed by the tonne, one cubic metre
    "water": {
        "吨": 1.0,
        "t": 1.0,
        "立方米": 1.0,
        "m3": 1.0,
        "m³": 1.0,
        "方": 1.0,
        "万吨": 1e4,
        "万立方米": 1e4,
        "万方": 1e4,
    },
}
# the canonical unit of each dimension, as a clerk writes it
CANONICAL = {
    "money": "万元",
    "electricity": "千瓦时",
    "energy": "吨标准煤",
    "mass": "吨",
    "persons": "人",
    "water": "吨",
}
DIMENSION_NAMES = {
    "money": "money (元, 万元)",
    "electricity": "electricity (千瓦时, 万千瓦时)",
    "energy": "energy (吨标准煤)",
    "mass": "mass (吨, 千克)",
    "persons": "persons (人)",
    "water": "water (吨, 立方米)",
}

_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[(\[【]\s*(?P<unit>[^()\[\]【】]*?)\s*[)\]】]\s*$")
_SEPARATED = re.compile(r"^(?P<name>.+?)\s*[/_:|]\s*(?P<unit>[^/_:|]+?)\s*$")
_PREFIX = re.compile(r"^(单位|unit)\s*[:]?\s*", re.IGNORECASE)


def _fold(text: str) -> str:
    """Full-width folded (NFKC), spaces, dots and middle dots gone, lower case."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s·.•]", "", text).casefold()


def _known(unit: str) -> bool:
    return any(unit in units for units in UNITS.values())


@dataclass(frozen=True)
class Header:
    """A header split into the name of what it holds and the unit it names (None: no
    unit written; ``unit_text``: the unit as written, for messages)."""

    name: str
    unit: str | None
    unit_text: str | None


def split_header(header: str) -> Header:
    """Splits 税收（元） into (税收, 元); 用电量/kWh and 用电量_kWh too; a bracket or
    a part after a separator that names no known unit stays part of the name (税收(含附加)),
    except a bracket opening with 单位 (税收（单位：元）), which always names one."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    for pattern in (_BRACKETED, _SEPARATED):
        m = pattern.match(text)
        if not m or not m.group("name").strip():
            continue
        written = m.group("unit").strip()
        said = _PREFIX.match(written) is not None
        unit = _fold(_PREFIX.sub("", written))
        if _known(unit) or (said and pattern is _BRACKETED):
            return Header(m.group("name").strip(), unit, written)
    return Header(text, None, None)


def factor(dimension: str, unit: str | None) -> float | None:
    """What a value in ``unit`` is multiplied by to be in the canonical unit of
    ``dimension`` (1 when no unit is written); None when ``unit`` is not one of it."""
    if unit is None:
        return 1.0
    return UNITS[dimension].get(unit)


def wrong_unit(dimension: str, header: Header) -> str:
    """Why the unit of ``header`` does not fit ``dimension``, with the units that do."""
    fits = ", ".join(u for u in UNITS[dimension] if not u.isascii() or u in ("kwh", "tce"))
    return (
        f"{header.unit_text!r} is not a unit of {DIMENSION_NAMES[dimension]}; "
        f"write one of {fits} in the header"
    )


def guess_unit(
    dimension: str, typical: tuple[float, float] | None, values: list[float]
) -> str | None:
    """For a column whose header names no unit (so read in the canonical unit): the
    unit its values look like, or None when they look canonical or nothing fits better.

    ``typical`` is the range of the median of the indicator over a city's firms in the
    canonical unit. When the median of the positive values lies outside it and a unit
    of the dimension 10⁴ away (元 for 万元, 万千瓦时 for 千瓦时, ...) brings it inside,
    that unit is the guess."""
    positive = sorted(v for v in values if v is not None and v > 0 and math.isfinite(v))
    if typical is None or not positive:
        return None
    median = positive[len(positive) // 2]
    lo, hi = typical
    if lo <= median <= hi:
        return None
    centre = math.sqrt(lo * hi)
    spelled: dict[float, str] = {}  # one spelling per factor: the first, Chinese, one
    for unit, f in UNITS[dimension].items():
        if f in (1e4, 1e-4) and not unit.isascii():
            spelled.setdefault(f, unit)
    fits = [
        (abs(math.log10(median * f / centre)), unit)
        for f, unit in spelled.items()
        if lo <= median * f <= hi
    ]
    return min(fits)[1] if fits else None
