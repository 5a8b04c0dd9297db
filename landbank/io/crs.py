"""Which coordinate reference system a file's numbers are in.

A file's own CRS label is checked against its coordinates (inside the CRS's area of
use); where there is no label, the numbers are recognised: degrees, CGCS2000
Gauss-Krüger with or without the zone prefix, Web Mercator, and swapped axes.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from landbank.errors import InputError

CHINA = (73.0, 17.0, 136.0, 54.0)  # lon/lat box that holds China with a margin
NORTHING = (1.5e6, 6.0e6)  # Gauss-Krüger northings of China, metres
WEB_MERCATOR_MAX = 20037508.35


def parse_crs(text: str) -> CRS:
    """Reads ``4490``, ``EPSG:4490`` or any pyproj input; raises InputError if unknown."""
    value = text.strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise InputError(
            f"--crs {text!r}: not a known CRS; write an EPSG code, e.g. 4490"
        ) from None


def _in_box(lon, lat, box=CHINA) -> bool:
    return bool(box[0] <= lon[0] and lon[1] <= box[2] and box[1] <= lat[0] and lat[1] <= box[3])


def _plain_guesses(xmin, ymin, xmax, ymax, gk_zone: int | None) -> list[tuple[int | None, str]]:
    """Candidate CRSs for a bounding box read in the file's own axis order."""
    out: list[tuple[int | None, str]] = []
    if -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90:
        out.append((4490, "degrees of longitude/latitude (CGCS2000, EPSG:4490)"))
        return out
    north_ok = NORTHING[0] <= ymin and ymax <= NORTHING[1]
    zone_lo, zone_hi = int(xmin // 1e6), int(xmax // 1e6)
    if north_ok and zone_lo == zone_hi:
        zone = zone_lo
        code = 4488 + zone if 25 <= zone <= 45 else 4478 + zone if 13 <= zone <= 23 else None
        if code and _lands_in_china(code, xmin, ymin, xmax, ymax):
            width = 3 if zone >= 25 else 6
            out.append((code, f"CGCS2000 {width}° Gauss-Krüger zone {zone} (EPSG:{code})"))
        elif zone == 0 and 0 < xmin and xmax < 1e6:
            if gk_zone:
                code = 4509 + gk_zone
                out.append(
                    (
                        code,
                        f"CGCS2000 3° Gauss-Krüger zone {gk_zone} without the zone "
                        f"prefix (EPSG:{code})",
                    )
                )
            else:
                out.append(
                    (
                        None,
                        "CGCS2000 Gauss-Krüger without the zone prefix "
                        "(EPSG:4534–4554 for 3° zones 25–45); the zone cannot be "
                        "read from the numbers",
                    )
                )
    if abs(xmin) <= WEB_MERCATOR_MAX and abs(xmax) <= WEB_MERCATOR_MAX and abs(ymax) < 2e7:
        if _lands_in_china(3857, xmin, ymin, xmax, ymax):
            out.append((3857, "Web Mercator (EPSG:3857)"))
    return out


def _lands_in_china(epsg: int, xmin, ymin, xmax, ymax) -> bool:
    """True when the box, read in ``epsg``, falls in China."""
    tr = Transformer.from_crs(epsg, 4326, always_xy=True)
    lon, lat = tr.transform([xmin, xmax], [ymin, ymax])
    return _in_box((min(lon), max(lon)), (min(lat), max(lat)))


def guess_crs(bounds, gk_zone: int | None = None) -> list[tuple[int | None, str, bool]]:
    """Returns what the numbers in ``bounds`` (xmin, ymin, xmax, ymax) look like:
    a list of (EPSG or None, description, axes_swapped)."""
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    plain = [(c, d, False) for c, d in _plain_guesses(xmin, ymin, xmax, ymax, gk_zone)]
    swapped = [(c, d, True) for c, d in _plain_guesses(ymin, xmin, ymax, xmax, gk_zone)]
    if plain and plain[0][0] == 4490:
        # Degrees that only make sense in China when read the other way round.
        if not _in_box((xmin, xmax), (ymin, ymax)) and _in_box((ymin, ymax), (xmin, xmax)):
            return swapped + plain
        return plain
    return plain + swapped


def fits_crs(crs: CRS, bounds) -> bool:
    """True when the bounding box lies inside the CRS's area of use (a 2° margin)."""
    if not valid_in_crs(crs, bounds):
        return False
    aou = crs.area_of_use
    if aou is None:
        return True
    lon, lat = _lon_lat_box(crs, bounds)
    m = 2.0
    box = (aou.west - m, aou.south - m, aou.east + m, aou.north + m)
    return _in_box(lon, lat, box)


def valid_in_crs(crs: CRS, bounds) -> bool:
    """True when the numbers can be coordinates of ``crs`` at all: degrees within ±180 /
    ±90, projected numbers that invert to a place on Earth and back (a transverse
    Mercator inverts far-off numbers to somewhere: the round trip tells)."""
    return _lon_lat_box(crs, bounds) is not None


def _lon_lat_box(crs: CRS, bounds):
    """((lon min, lon max), (lat min, lat max)) of the box read in ``crs``, or None when
    the numbers are no coordinates of it."""
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    if crs.is_geographic:
        lon, lat = (xmin, xmax), (ymin, ymax)
    else:
        tr = Transformer.from_crs(crs, 4326, always_xy=True)
        xs = np.array([xmin, xmax, xmin, xmax, (xmin + xmax) / 2])
        ys = np.array([ymin, ymin, ymax, ymax, (ymin + ymax) / 2])
        lons, lats = tr.transform(xs, ys)
        if not (np.all(np.isfinite(lons)) and np.all(np.isfinite(lats))):
            return None
        back_x, back_y = Transformer.from_crs(4326, crs, always_xy=True).transform(lons, lats)
        if not (np.allclose(back_x, xs, rtol=0, atol=1.0) and np.allclose(back_y, ys, atol=1.0)):
            return None
        lon, lat = (float(lons.min()), float(lons.max())), (float(lats.min()), float(lats.max()))
    if not (-180 <= lon[0] and lon[1] <= 180 and -90 <= lat[0] and lat[1] <= 90):
        return None
    return lon, lat


def describe(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _looks_like(guesses) -> str:
    if not guesses:
        return "they match no CRS landbank recognises"
    parts = [f"{d}{' with X and Y swapped' if s else ''}" for _, d, s in guesses]
    return "they look like " + " or ".join(parts)


def _fix(
    guesses, passed: CRS | None = None, swap_passed: bool = False, can_swap: bool = True
) -> str:
    """The option that reads the numbers as the first guess, never the one just given:
    guesses naming the CRS passed are dropped, and a swap already made is undone."""
    passed_code = passed.to_epsg() if passed is not None else None
    if passed is not None:
        guesses = _others(guesses, passed)
    code, _, swapped = guesses[0] if guesses else (None, "", False)
    if swapped:
        more = code and code != 4490 and code != passed_code
        if not can_swap:  # a command without --swap-xy
            return "swap the X and Y (lon and lat) values in the file" + (
                f" and pass --crs EPSG:{code}" if more else ""
            )
        if swap_passed:  # the numbers read right as they were given
            return "leave out --swap-xy" + (f" and pass --crs EPSG:{code}" if more else "")
        return "pass --swap-xy" + (f" --crs EPSG:{code}" if more else "")
    if code and code != passed_code:
        return f"pass --crs EPSG:{code} if so"
    if passed is not None:
        return f"{describe(passed)} is not it: pass --crs EPSG:NNNN with the file's real CRS"
    return "pass --crs EPSG:NNNN with the file's real CRS"


def _others(guesses, crs: CRS) -> list:
    """The guesses that are not ``crs`` read the same way."""
    code = crs.to_epsg()
    return [g for g in guesses if not (g[0] is not None and g[0] == code and not g[2])]


def _weak(guess) -> bool:
    """Gauss-Krüger without the zone prefix (the zone from the profile): a reading any
    plane grid's numbers of that size allow (UTM, Greek Grid), so no evidence alone."""
    return "without the zone prefix" in guess[1]


def resolve_crs(
    source: str,
    declared: CRS | None,
    override: str | None,
    bounds,
    gk_zone: int | None = None,
    home: tuple[float, float, float, float] | None = None,
    swap_passed: bool = False,
    can_swap: bool = True,
) -> tuple[CRS, list[str]]:
    """Decides the CRS of a file's coordinates.

    Reads the file's label ``declared``, the user's ``--crs`` ``override``, the data
    ``bounds`` and the profile's ``gk_zone`` and jurisdiction ``home`` (lon/lat box,
    China by default). Returns (CRS, warnings). Raises InputError only when the CRS
    contradicts the numbers: they cannot be coordinates of it at all; Gauss-Krüger
    eastings carry another zone's prefix than the label's; they lie outside its area of
    use while another reading (not a weak guess) puts them inside its own; or it places
    them far from home while another reading of the same numbers lands at home (degrees
    labelled Web Mercator, say). Numbers that are fine coordinates of the CRS but lie
    outside its area of use (with no such other reading) or outside the jurisdiction
    are read, with a warning: a parcel abroad is correct data. Nothing fits: also an
    InputError. The advice never repeats what was passed (``override``, ``swap_passed``
    = --swap-xy given), and names --swap-xy only where the command has it
    (``can_swap``).
    """
    warnings: list[str] = []
    crs = parse_crs(override) if override else declared
    numbers = f"(x {bounds[0]:.6g}…{bounds[2]:.6g}, y {bounds[1]:.6g}…{bounds[3]:.6g})"
    passed = crs if override else None
    if crs is not None:
        who = "--crs says" if override else "the file says its CRS is"
        if not valid_in_crs(crs, bounds):
            guesses = _others(guess_crs(bounds, gk_zone), crs)
            raise InputError(
                f"{source}: {who} {describe(crs)}, but the coordinates {numbers} lie outside "
                f"its area of use; {_looks_like(guesses)}; "
                f"{_fix(guesses, passed, swap_passed, can_swap)}"
            )
        in_area = fits_crs(crs, bounds)
        contradicted = _contradiction(crs, bounds, gk_zone, in_area)
        if contradicted:
            why, readings = contradicted
            raise InputError(
                f"{source}: {who} {describe(crs)}, but {why}; {_looks_like(readings)}; "
                f"{_fix(readings, crs, swap_passed, can_swap)}"
            )
        box = tuple(home) if home else CHINA
        if not _lands_in(crs, bounds, box):
            readings = [
                g
                for g in _others(guess_crs(bounds, gk_zone), crs)
                if g[0] is not None
                and _lands_in(CRS.from_epsg(g[0]), _maybe_swapped(bounds, g[2]), box)
                and not (g[0] == 4490 and crs.is_geographic and not g[2])
            ]
            better = [g for g in readings if not (in_area and _weak(g))]
            if better:
                where = (
                    f"which puts the coordinates {numbers} far from the jurisdiction"
                    if in_area
                    else f"but the coordinates {numbers} lie outside its area of use, far "
                    "from the jurisdiction"
                )
                raise InputError(
                    f"{source}: {who} {describe(crs)}, {where} {list(box)}; {_looks_like(better)}; "
                    f"{_fix(better, passed, swap_passed, can_swap)}"
                )
            if readings:
                also = _looks_like(readings).removeprefix("they look like ")
                warnings.append(
                    f"{source}: read as {describe(crs)}, far from the jurisdiction; the "
                    f"numbers could also be {also}: {_fix(readings, passed, swap_passed, can_swap)}"
                )
        if not in_area:
            warnings.append(
                f"{source}: the coordinates {numbers} lie outside the area of use of "
                f"{describe(crs)}; read as {describe(crs)} all the same"
            )
        _warn_old_datum(crs, warnings)
        return crs, warnings
    guesses = guess_crs(bounds, gk_zone)
    if guesses and guesses[0][0] is not None and not guesses[0][2]:
        code, desc, _ = guesses[0]
        warnings.append(f"{source} has no CRS; its coordinates look like {desc}, read as such")
        return CRS.from_epsg(code), warnings
    if guesses and guesses[0][2]:
        raise InputError(
            f"{source}: X and Y are swapped: {_looks_like(guesses)}; "
            f"{_fix(guesses, None, swap_passed, can_swap)}"
        )
    raise InputError(
        f"{source}: no CRS in the file and the coordinates {numbers} do not tell: "
        f"{_looks_like(guesses)}; {_fix(guesses, None, swap_passed, can_swap)}"
    )


def _gk_prefix_zone(crs: CRS) -> int | None:
    """The zone a Gauss-Krüger (transverse Mercator) CRS writes before its eastings
    (false easting zone × 1,000,000 + 500,000), or None for a CRS without one."""
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    if "transverse mercator" not in crs.coordinate_operation.method_name.lower():
        return None
    for param in crs.coordinate_operation.params:
        if param.name.lower() == "false easting":
            zone, rest = divmod(float(param.value), 1e6)
            return int(zone) if zone >= 1 and rest == 500_000 else None
    return None


def _contradiction(crs: CRS, bounds, gk_zone, in_area: bool):
    """(why, readings) when the numbers themselves contradict the label ``crs``: Gauss-
    Krüger eastings whose zone prefix is not the label's zone, or numbers outside its
    area of use that another reading (not a weak guess) puts inside its own; else None.
    Correct data abroad has no such other reading and is read (with a warning)."""
    numbers = f"(x {bounds[0]:.6g}…{bounds[2]:.6g}, y {bounds[1]:.6g}…{bounds[3]:.6g})"
    guesses = _others(guess_crs(bounds, gk_zone), crs)
    label_zone = _gk_prefix_zone(crs)
    zone_lo, zone_hi = int(float(bounds[0]) // 1e6), int(float(bounds[2]) // 1e6)
    north_ok = NORTHING[0] <= float(bounds[1]) and float(bounds[3]) <= NORTHING[1]
    prefixed = north_ok and zone_lo == zone_hi and 13 <= zone_lo <= 45
    if label_zone and prefixed and zone_lo != label_zone:
        return (
            f"the eastings {numbers} carry the zone prefix {zone_lo}, not {label_zone}",
            guesses,
        )
    if in_area:
        return None
    inside = [
        g
        for g in guesses
        if g[0] is not None
        and not _weak(g)
        and fits_crs(CRS.from_epsg(g[0]), _maybe_swapped(bounds, g[2]))
    ]
    if inside:
        return f"the coordinates {numbers} lie outside its area of use", inside
    return None


def _maybe_swapped(bounds, swapped: bool):
    xmin, ymin, xmax, ymax = bounds
    return (ymin, xmin, ymax, xmax) if swapped else bounds


def _lands_in(crs: CRS, bounds, box) -> bool:
    """True when the bounding box, read in ``crs``, lies in the lon/lat ``box``."""
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    if crs.is_geographic:
        return _in_box((xmin, xmax), (ymin, ymax), box)
    tr = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = tr.transform([xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax])
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        return False
    return _in_box((min(lon), max(lon)), (min(lat), max(lat)), box)


def _warn_old_datum(crs: CRS, warnings: list[str]) -> None:
    name = crs.name.lower()
    if "beijing 1954" in name or "xian 1980" in name:
        warnings.append(
            f"{describe(crs)} is an older datum: without the bureau's 7 transformation "
            "parameters the shift to CGCS2000 is approximate (metres)"
        )
