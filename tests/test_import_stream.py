"""A large vector file imported a batch at a time (``stream_parcels``): the same
parcels, history and summary as the file read whole, and, for any fault, the very line
the whole-file import gives, with the database unchanged."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pytest

from landbank.io import parcels as reading
from landbank.services import import_parcels as import_service
from landbank.synth import synthetic_parcels
from tests.conftest import REALDATA, require_realdata
from tests.helpers import bureau_frame, table_counts, write_vector

BATCH = 300


@pytest.fixture
def small_batches(monkeypatch):
    """Files of 600 features and more stream, 300 at a time."""
    monkeypatch.setattr(reading, "STREAM_BATCH", BATCH)
    monkeypatch.setattr(reading, "STREAM_LEAST", 2 * BATCH)


def _stored(cli, db_url) -> dict[str, dict]:
    items = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    return {p["code"]: p for p in items}


def test_a_large_file_streams_and_stores_what_a_whole_reading_would(
    cli, db_url, tmp_path, small_batches
):
    city = synthetic_parcels(1000, seed=21)
    path = write_vector(city, tmp_path / "city.gpkg")
    whole = json.loads(cli("import", "parcels", path, "--dry-run", "--json", db=db_url).stdout)
    assert whole["batches"] == 0  # a dry run reads the file whole
    result = cli("import", "parcels", path, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    streamed = json.loads(result.stdout)
    assert streamed["batches"] == 4 and streamed["imported"] == 1000
    for key in ("source_crs", "rows", "by_district", "area_mismatch_codes", "warnings"):
        assert streamed[key] == whole[key], key
    stored = _stored(cli, db_url)
    assert sorted(stored) == sorted(city["code"])
    planned = {p["code"]: p for p in whole["parcels"]}
    for code, p in stored.items():
        assert p["area_mu"] == pytest.approx(planned[code]["area_mu"], abs=1e-4)
    row = city.iloc[777]
    shown = json.loads(cli("parcels", "show", row["code"], "--json", db=db_url).stdout)
    assert shown["name"] == row["name"] and shown["district"] == row["district"]
    assert shown["approved_on"] == row["approved_on"].strftime("%Y-%m-%d")
    history = json.loads(cli("parcels", "history", row["code"], "--json", db=db_url).stdout)
    assert [e["field"] for e in history] == ["created"]
    # stored codes: the stream gives way and the whole-file import refuses as it does
    again = cli("import", "parcels", path, db=db_url)
    assert again.exit_code == 1 and "1000 parcels are already in the database" in again.stderr
    upserted = json.loads(cli("import", "parcels", path, "--upsert", "--json", db=db_url).stdout)
    assert upserted["batches"] == 0 and upserted["unchanged"] == 1000


def _counting_parts(monkeypatch) -> list[int]:
    """Counts the batches each streamed import takes (one count per stream begun)."""
    taken: list[int] = []
    stream_parcels = import_service.stream_parcels

    def counted(*args, **kwargs):
        stream = stream_parcels(*args, **kwargs)
        if stream is not None:
            taken.append(0)
            parts = stream.parts

            def counting():
                for part in parts:
                    taken[-1] += 1
                    yield part

            stream.parts = counting()
        return stream

    monkeypatch.setattr(import_service, "stream_parcels", counted)
    return taken


def _faulty(tmp_path, how: str):
    city = synthetic_parcels(1000, seed=22)
    data = bureau_frame(city)
    if how == "date in the last batch":
        data.loc[950, "批准日期"] = "2023-02-30"
    elif how == "code repeated across batches":
        data.loc[900, "地块编号"] = data.loc[10, "地块编号"]
    elif how == "no code in the third batch":
        data.loc[700, "地块编号"] = None
    path = tmp_path / "faulty.gpkg"
    gpd.GeoDataFrame(data, geometry=city["geometry"].to_numpy(), crs="EPSG:4490").to_file(path)
    return path


STREAMED_BEFORE_FAULT = {
    "date in the last batch": 3,
    "code repeated across batches": 4,
    "no code in the third batch": 2,
}


@pytest.mark.parametrize("how", list(STREAMED_BEFORE_FAULT))
def test_a_fault_in_a_later_batch_gives_the_whole_file_line_and_writes_nothing(
    cli, db_url, tmp_path, monkeypatch, how
):
    path = _faulty(tmp_path, how)
    whole = cli("import", "parcels", path, db=db_url)  # read whole: the default sizes
    assert whole.exit_code == 1
    monkeypatch.setattr(reading, "STREAM_BATCH", BATCH)
    monkeypatch.setattr(reading, "STREAM_LEAST", 2 * BATCH)
    taken = _counting_parts(monkeypatch)
    before = table_counts(db_url)
    streamed = cli("import", "parcels", path, db=db_url)
    # the stream went on as far as the fault (the batches before it written) and gave
    # way; codes repeated across batches are found once all are taken
    assert taken == [STREAMED_BEFORE_FAULT[how]]
    assert streamed.exit_code == 1
    assert streamed.stderr == whole.stderr
    assert len(streamed.stderr.strip().splitlines()) == 1 and "Traceback" not in streamed.stderr
    assert table_counts(db_url) == before


def test_real_files_stream_or_refuse_as_when_read_whole(cli, db_url, monkeypatch):
    """Real third-party files in batches of 10: a mislabelled CRS corrected by --crs
    streams to the parcels a whole reading plans; empty codes are refused with the
    whole-file line."""
    wuhan = require_realdata("wuhan_cug_buildings_mislabelled_crs.geojson")
    kastoria = require_realdata("kastoria_cad1925", "cad1925.shp")
    args = ["import", "parcels", wuhan, "--field", "code=id", "--crs", "EPSG:3857"]
    plan = json.loads(cli(*args, "--dry-run", "--json", db=db_url).stdout)
    refused = cli("import", "parcels", kastoria, "--field", "code=KAK", db=db_url)
    monkeypatch.setattr(reading, "STREAM_BATCH", 10)
    monkeypatch.setattr(reading, "STREAM_LEAST", 20)
    result = cli(*args, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["batches"] >= 2 and summary["imported"] == plan["rows"]
    assert summary["warnings"] == plan["warnings"]
    stored = _stored(cli, db_url)
    areas = {p["code"]: p["area_mu"] for p in plan["parcels"]}
    assert set(stored) == set(areas)
    got = np.array([stored[c]["area_mu"] for c in areas])
    assert np.allclose(got, list(areas.values()), atol=1e-4)
    streamed = cli("import", "parcels", kastoria, "--field", "code=KAK", db=db_url)
    assert streamed.exit_code == 1 and streamed.stderr == refused.stderr
    assert "feature 392, code: empty (and 100 more rows)" in streamed.stderr


def _garbled(src, dst, share: float = 0.5, span: int = 20_000):
    """A copy of ``src`` with bytes overwritten from ``share`` of its length on."""
    data = bytearray(src.read_bytes())
    start = int(len(data) * share)
    for i in range(start, min(len(data), start + span), 7):
        data[i] = 0xFF
    dst.write_bytes(bytes(data))
    return dst


def test_a_damaged_file_gives_the_whole_file_line_and_writes_nothing(
    cli, db_url, tmp_path, monkeypatch
):
    """A GeoPackage whose 900th feature holds text that is no UTF-8, and a real
    Shapefile with bytes overwritten in its records: the batch import gives way, and
    the line is the whole-file import's, no traceback, nothing written."""
    parcels = synthetic_parcels(1000, seed=23)
    parcels.loc[899, "name"] = "MARK损坏MARK"
    city = write_vector(parcels, tmp_path / "city.gpkg")
    mark = "MARK损坏MARK".encode()
    data = city.read_bytes()
    assert data.count(mark) == 1  # the 900th feature's name: made bytes no UTF-8
    city.write_bytes(data.replace(mark, mark[:5] + b"\xff" + mark[6:]))
    files = [(city, [])]
    real = REALDATA / "kastoria_cad1925"
    if real.exists():
        folder = tmp_path / "kastoria"
        shutil.copytree(real, folder)
        _garbled(real / "cad1925.dbf", folder / "cad1925.dbf", 0.6, 4_000)
        files.append((folder / "cad1925.shp", ["--field", "code=KAK"]))
    for path, args in files:
        monkeypatch.setattr(reading, "STREAM_LEAST", 10**9)
        whole = cli("import", "parcels", path, *args, db=db_url)
        monkeypatch.setattr(reading, "STREAM_BATCH", 50)
        monkeypatch.setattr(reading, "STREAM_LEAST", 100)
        before = table_counts(db_url)
        streamed = cli("import", "parcels", path, *args, db=db_url)
        assert whole.exit_code == streamed.exit_code == 1, path
        assert streamed.stderr == whole.stderr and "Traceback" not in streamed.stderr
        assert len(streamed.stderr.strip().splitlines()) == 1
        assert table_counts(db_url) == before
        if path == city:
            assert "city.gpkg feature 900, 地块名称: the text is not UTF-8" in whole.stderr


def test_defaults_fill_every_batch(cli, db_url, tmp_path, small_batches):
    """``--default`` fills each batch as it fills a whole file (the column mapped
    afresh for each batch): the import streams to the end, every parcel has it."""
    path = write_vector(synthetic_parcels(1000, seed=24), tmp_path / "park.gpkg")
    args = ["import", "parcels", path, "--field", "district=", "--default", "district=薛城区"]
    plan = json.loads(cli(*args, "--dry-run", "--json", db=db_url).stdout)
    result = cli(*args, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["batches"] == 4
    assert summary["by_district"] == plan["by_district"]
    assert [d["district"] for d in summary["by_district"]] == ["薛城区"]
    assert {p["district"] for p in _stored(cli, db_url).values()} == {"薛城区"}
