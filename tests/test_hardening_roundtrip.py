"""Issue 15 item 2: what landbank exports, landbank imports, with the same parcels and
areas, in every export format, wherever the parcels lie (real files of
../shared/realdata and synthetic plots in Bohemia); outside the jurisdiction is a
warning, exit 0. Both engines."""

from __future__ import annotations

import json
import warnings

import pyogrio
import pytest

from landbank.db import parcels as rows
from landbank.io.write import export_formats
from tests.conftest import _new_database, require_realdata
from tests.helpers import store_of, write_vector
from tests.test_hardening_crs import placed

FORMATS = [s for s in export_formats() if s != ".json"]  # .json is .geojson again
# Exact doubles in every format but the boundary TXT, which writes coordinates to the
# millimetre: a vertex moves at most 0.5 mm per axis, so an area by at most about
# perimeter × 0.7 mm, below 1e-4 of a parcel's area here; 1e-4 mu (0.07 m²) for the
# smallest.
TOLERANCE = {"exact": dict(rel=1e-6, abs=1e-9), ".txt": dict(rel=1e-4, abs=1e-4)}


def _areas(url: str) -> dict[str, float]:
    with store_of(url).read() as uow:
        frame = rows.load_parcels(uow, with_geometry=False)
    return dict(zip(frame["code"], frame["area_mu"].astype(float), strict=True))


def _philly_subset(tmp_path):
    """The first 200 Fishtown parcels (5 invalid ones among them), numbered as a clerk
    would: the city's file has no parcel id. A subset keeps the suite fast."""
    src = require_realdata("philly_fishtown_parcels.geojson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "height" mixes numbers and "NA"
        gdf = pyogrio.read_dataframe(src, max_features=200)
    gdf.insert(0, "pid", [f"PHL-{i + 1:05d}" for i in range(len(gdf))])
    path = tmp_path / "philly.gpkg"
    gdf.to_file(path, engine="pyogrio")
    return path, ["--field", "code=pid", "--repair"]


def _kastoria(tmp_path):
    src = require_realdata("kastoria_cad1925", "cad1925.shp")
    return src, ["--field", "code=KAK", "--skip-uncoded", "--dissolve-duplicates"]


def _foshan(tmp_path):
    """Both Foshan boundary files; their parcels are both coded FID_0 (a placeholder), so
    the second is read under the code FID_2."""
    first = require_realdata("boundary_txt", "foshan_plot_000.txt")
    text = require_realdata("boundary_txt", "foshan_plot_002.txt").read_text(encoding="utf-8")
    second = tmp_path / "foshan_plot_002.txt"
    second.write_text(text.replace(",FID_0,", ",FID_2,"), encoding="utf-8")
    return [(first, []), (second, [])]


def _bohemia(tmp_path):
    path = write_vector(placed(15.1, 49.6, n=8), tmp_path / "cz.gpkg", headers="en")
    return path, []


def test_every_export_format_comes_back_with_the_same_codes_and_areas(
    cli, db_url, request, tmp_path
):
    # One database holding Greece (zone 7), Philadelphia (zone 95), Bohemia (zone 5) and
    # Foshan (zone 38): each format once, the boundary TXT as one file per zone.
    sources = [_kastoria(tmp_path), _philly_subset(tmp_path), _bohemia(tmp_path)]
    sources += _foshan(tmp_path)
    for path, args in sources:
        result = cli("import", "parcels", path, *args, db=db_url)
        assert result.exit_code == 0, result.stderr
    expected = _areas(db_url)
    assert len(expected) == 387 + 200 + 8 + 2
    kind = "spatialite" if db_url.startswith("sqlite") else "postgis"
    for suffix in FORMATS:
        out = tmp_path / "out" / suffix.lstrip(".")
        out.mkdir(parents=True)
        result = cli("export", out / f"parcels{suffix}", "--json", db=db_url)
        assert result.exit_code == 0, (suffix, result.stderr)
        files = json.loads(result.stdout)["files"]
        if suffix == ".txt":
            assert sorted(f["zone"] for f in files) == [5, 7, 38, 95]
        url, drop = _new_database(request, kind, tmp_path)
        try:
            for f in files:
                result = cli("import", "parcels", f["file"], db=url)
                assert result.exit_code == 0, (suffix, result.stderr)
                err = " ".join(result.stderr.split())
                assert "Traceback" not in err
                if f["zone"] != 38:  # abroad (all but Foshan's zone): a warning
                    assert "lie outside the profile's jurisdiction" in err, (suffix, err)
            got = _areas(url)
        finally:
            drop()
        assert sorted(got) == sorted(expected), suffix
        tol = TOLERANCE[".txt" if suffix == ".txt" else "exact"]
        off = {c: (got[c], a) for c, a in expected.items() if got[c] != pytest.approx(a, **tol)}
        assert not off, (suffix, list(off.items())[:5])
