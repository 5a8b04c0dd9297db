"""Issue 15, review of the file hardening: a CRS label the numbers contradict is
refused again (a Gauss-Krüger zone prefix that is not the label's zone; numbers outside
the label's area of use that another reading puts inside its own), while correct data
abroad is still read with a warning; the reader guard turns library errors, not
landbank's own faults, into "the file is damaged"."""

from __future__ import annotations

import struct
import zipfile

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from landbank.errors import InputError
from landbank.io.crs import resolve_crs
from landbank.io.guard import reading
from tests.helpers import table_counts

# Zaozhuang in CGCS2000 3° Gauss-Krüger zone 39 WITH the zone prefix (EPSG:4527)
ZZ_GK39 = (39_545_755, 3_852_519, 39_546_755, 3_853_519)


@pytest.mark.parametrize("label", [4526, 4528])
@pytest.mark.parametrize("how", ["file", "option"])
def test_a_wrong_gauss_krueger_zone_label_is_refused_naming_the_zone_of_the_prefix(label, how):
    declared, override = (CRS.from_epsg(label), None) if how == "file" else (None, str(label))
    with pytest.raises(InputError) as err:
        resolve_crs("zz.gpkg", declared, override, ZZ_GK39)
    text = str(err.value)
    assert "zone prefix 39" in text
    assert "pass --crs EPSG:4527" in text
    assert f"--crs EPSG:{label}" not in text


def test_the_right_zone_label_is_read_without_a_word():
    crs, warnings = resolve_crs("zz.gpkg", CRS.from_epsg(4527), None, ZZ_GK39)
    assert crs.to_epsg() == 4527 and warnings == []


def test_numbers_outside_the_area_of_use_that_fit_another_crs_are_refused():
    # Degrees labelled Beijing 1954 GK CM 117E: valid coordinates of it, near the
    # equator, far outside its area of use; as degrees they lie inside EPSG:4490's. A
    # jurisdiction that holds both places (the whole world) leaves the decision to the
    # numbers, not to where the bureau is.
    zz_deg = (117.30, 34.80, 117.32, 34.82)
    world = (-180.0, -90.0, 180.0, 90.0)
    with pytest.raises(InputError) as err:
        resolve_crs("d.gpkg", CRS.from_epsg(2436), None, zz_deg, home=world)
    assert "outside its area of use" in str(err.value)
    assert "pass --crs EPSG:4490" in str(err.value)
    assert "--crs EPSG:2436" not in str(err.value)


def test_correct_data_abroad_is_still_read_with_a_warning():
    cz_deg = (15.10, 49.60, 15.64, 50.09)
    crs, warnings = resolve_crs("cz.gpkg", CRS.from_epsg(4490), None, cz_deg, 39)
    assert crs.to_epsg() == 4490
    assert any("outside the area of use" in w for w in warnings)
    kastoria = (268_000, 4_480_000, 270_000, 4_482_000)
    crs, _ = resolve_crs("cad.shp", CRS.from_epsg(2100), None, kastoria, 39)
    assert crs.to_epsg() == 2100


def _zaozhuang_gk39(path, label: int):
    box = shapely.box(39_545_755, 3_852_519, 39_545_955, 3_852_719)
    frame = gpd.GeoDataFrame(
        {"code": ["ZZ-GK-1"], "district": ["市中区"]}, geometry=[box], crs=f"EPSG:{label}"
    )
    frame.to_file(path, engine="pyogrio")
    return path


def test_import_of_a_wrong_zone_label_is_one_line_and_leaves_the_database(cli, db_url, tmp_path):
    path = _zaozhuang_gk39(tmp_path / "zz_gk39.gpkg", 4526)
    before = table_counts(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "EPSG:4527" in line and "zone prefix 39" in line
    assert table_counts(db_url) == before
    # the hint runs as written
    result = cli("import", "parcels", path, "--crs", "EPSG:4527", db=db_url)
    assert result.exit_code == 0, result.stderr
    assert table_counts(db_url)["parcel"] == before["parcel"] + 1


# --- the reader guard ------------------------------------------------------------------


def test_a_fault_of_landbank_inside_the_guard_is_not_called_a_damaged_file(
    monkeypatch, small_city, tmp_path
):
    from landbank.io import parcels
    from tests.helpers import write_vector

    path = write_vector(small_city.head(3), tmp_path / "p.gpkg")
    monkeypatch.setattr(parcels, "PARCEL_FIELDS", None)  # map_columns then fails
    with pytest.raises(TypeError):
        parcels.read_parcels(path, parcels.ReadOptions())


def test_the_guard_lets_our_own_errors_through_and_turns_library_ones(tmp_path):
    path = tmp_path / "x.gpkg"
    with pytest.raises(TypeError), reading(path):
        raise TypeError("a bug of ours")
    with pytest.raises(AttributeError), reading(path):
        None.anything  # noqa: B018
    with pytest.raises(InputError, match="x.gpkg"), reading(path):
        struct.unpack("<I", b"\x00")
    book = tmp_path / "book.zip"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("a.txt", "a")
    with pytest.raises(InputError, match="x.gpkg"), reading(path):  # KeyError in zipfile
        zipfile.ZipFile(book).getinfo("xl/workbook.xml")


def test_a_rust_readers_panic_is_one_line_and_an_interrupt_passes(tmp_path):
    # pyo3 raises a panic as PanicException, a BaseException no module exports
    PanicException = type("PanicException", (BaseException,), {})
    path = tmp_path / "book.xlsx"
    with pytest.raises(InputError, match="book.xlsx: not a readable .xlsx"), reading(path):
        raise PanicException("index out of bounds")
    with pytest.raises(KeyboardInterrupt), reading(path):
        raise KeyboardInterrupt
