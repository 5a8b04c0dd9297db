"""The published list of idle land (闲置土地处置办法 art. 14) out to a file: ``.xlsx``
with Chinese headers, or ``.geojson`` with each parcel's geometry (EPSG:4490) and only
the published properties. Each written through a temporary file renamed into place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd

from landbank.errors import InputError
from landbank.io.files import atomic_path
from landbank.io.outputs import check_out_file, write_error

FORMATS = (".xlsx", ".geojson")


def check_public_path(path: Path) -> Path:
    """``path`` when the list can be written there: a known suffix, an existing folder."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"--out {path}: write the list to an .xlsx or a .geojson file "
            f"(not {path.suffix or 'no suffix'!r})"
        )
    return check_out_file(path)


def write_public(rows: list[dict], geometries: list, fields, path: Path, title: str) -> Path:
    """Writes ``rows`` (exactly the keys of ``fields``: (key, zh, en), dates as
    ``datetime.date``) to ``path`` (.xlsx: one sheet ``title``, Chinese headers; .geojson:
    ``geometries`` (shapely, EPSG:4490, one per row) and the rows as properties)."""
    path = check_public_path(path)
    try:
        _write(rows, geometries, fields, path, title)
    except OSError as exc:  # the folder refused the file meanwhile (full, read-only)
        raise write_error(path, exc) from None
    return path


def _write(rows: list[dict], geometries: list, fields, path: Path, title: str) -> None:
    keys = [key for key, _, _ in fields]
    frame = pd.DataFrame([{k: r[k] for k in keys} for r in rows], columns=keys)
    if path.suffix.lower() == ".geojson":
        for key in keys:
            frame[key] = frame[key].map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
        gdf = gpd.GeoDataFrame(frame, geometry=list(geometries), crs="EPSG:4490")
        with atomic_path(path, ".geojson") as tmp:
            tmp.unlink()  # the driver makes the file itself
            gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer="idle_land")
        return
    _write_xlsx(frame, fields, path, title)


def _write_xlsx(frame: pd.DataFrame, fields, path: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([zh for _, zh, _ in fields])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in frame.itertuples(index=False):
        ws.append([None if v is None or v != v else v for v in record])
    for i, (key, zh, _) in enumerate(fields, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(zh) * 2 + 4)
        if key.endswith("_on") or key == "idle_since":
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{ws.max_row}"
    with atomic_path(path, ".xlsx") as tmp:
        wb.save(tmp)
