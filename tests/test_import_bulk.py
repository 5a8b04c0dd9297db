"""The bulk path of import parcels: hex EWKB made column-wise, rows made a block at a
time, a failure in a late chunk rolled back, the rows and geometries stored
as read (issue 20, part 2)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from landbank.db import parcels as rows
from landbank.db.binds import BLOCK, CHUNK, plain_rows
from landbank.db.ewkb import hex_ewkb
from landbank.domain.area import area_mu
from landbank.domain.landuse import land_use_class
from landbank.io.parcels import read_parcels
from landbank.services.import_parcels import read_options
from landbank.synth import synthetic_parcels
from tests.helpers import store_of, table_counts, write_vector


def test_hex_ewkb_is_what_postgis_reads():
    polygons = [
        shapely.box(119.1, 29.2, 119.2, 29.3),
        shapely.MultiPolygon([shapely.box(1, 2, 3, 4), shapely.box(5, 5, 6, 7)]),
        shapely.Polygon(
            [(0, 0), (4, 0), (4, 4), (0, 0)], [[(1, 0.5), (2, 0.5), (2, 1.5), (1, 0.5)]]
        ),
        shapely.force_3d(shapely.box(0, 0, 1, 1), 7.0),  # written 2-D
    ]
    geoms = np.array(polygons * 5, dtype=object)
    expected = [
        b.hex()
        for b in shapely.to_wkb(
            shapely.set_srid(shapely.force_2d(geoms), 4490), include_srid=True, byte_order=1
        )
    ]
    assert hex_ewkb(geoms, 4490).to_pylist() == expected
    assert hex_ewkb(geoms[3:11], 4490).to_pylist() == expected[3:11]  # an offset slice
    assert hex_ewkb(np.array([], dtype=object), 4490).to_pylist() == []
    assert hex_ewkb(geoms, 4490).type == pa.large_string()
    with pytest.raises(ValueError, match="missing"):
        hex_ewkb(np.array([polygons[0], None], dtype=object), 4490)


def test_plain_rows_by_block_as_the_whole_frame():
    n = BLOCK + 7
    days = pd.Series(pd.date_range("2020-01-01", periods=n, freq="D")).astype("datetime64[s]")
    stamps = days.copy()
    stamps.iloc[-1] += pd.Timedelta(hours=3)  # one time of day in the last block: all as times
    frame = pd.DataFrame(
        {
            "day": days,
            "stamp": stamps,
            "x": np.where(np.arange(n) % 3 == 0, np.nan, np.arange(n, dtype=float)),
            "name": [None if i % 5 == 0 else f"n{i}" for i in range(n)],
            "geom": [shapely.box(i, 0, i + 1, 1) for i in range(n)],
        }
    )
    chunks = list(plain_rows(frame, True, wkb="geom"))
    assert [len(c) for c in chunks[:2]] == [CHUNK, CHUNK]
    got = [r for c in chunks for r in c]
    assert len(got) == n
    assert got[0][:4] == ("2020-01-01", "2020-01-01 00:00:00.000000", None, None)
    assert got[1][2:4] == (1.0, "n1")
    assert got[-1][0] == days.iloc[-1].strftime("%Y-%m-%d")
    assert got[-1][1] == stamps.iloc[-1].strftime("%Y-%m-%d %H:%M:%S.%f")
    assert shapely.from_wkb(got[-1][4]).equals(frame["geom"].iloc[-1])


def _texts(column: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in column]


def _canonical(path):
    """The parcels of ``path`` as import parcels stores them (areas, land-use class)."""
    opts = read_options()  # the default profile's, as the command reads it
    frame = read_parcels(path, opts).frame
    frame["land_use_class"] = land_use_class(frame["land_use"], opts.crosswalk)
    frame["area_mu"] = area_mu(frame["geometry"].to_numpy())
    return frame


def test_failure_in_a_late_chunk_leaves_the_database_unchanged(db_url, tmp_path):
    """A load large enough to drop and rebuild the indexes fails on its last row: the
    whole transaction goes (rows, history, the dropped indexes come back)."""
    n = BLOCK + 10
    path = write_vector(synthetic_parcels(n, seed=5), tmp_path / "big.gpkg")
    frame = _canonical(path)
    frame.loc[n - 1, "area_mu"] = np.nan  # NOT NULL in the database: refused there
    before = table_counts(db_url)
    store = store_of(db_url)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(Exception, match="(?i)not.null"):
        with store.write(by="t", now=now) as uow:
            rows.insert_parcels(uow, [frame], n, "t", now, "late failure")
    assert table_counts(db_url) == before
    # the indexes are back: the same parcels load afterwards, and are found by code
    frame.loc[n - 1, "area_mu"] = 1.0
    with store.write(by="t", now=now) as uow:
        assert rows.insert_parcels(uow, [frame], n, "t", now, "again") == n
    with store.read() as uow:
        found = rows.load_parcels(uow, codes=[frame["code"].iloc[-1]])
    assert len(found) == 1


def test_bad_row_in_the_last_block_refused_before_anything_is_written(cli, db_url, tmp_path):
    n = BLOCK + 10
    city = synthetic_parcels(n, seed=6)
    city.loc[n - 1, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    path = write_vector(city, tmp_path / "late.gpkg")
    before = table_counts(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    assert f"late.gpkg feature {n}, geometry: invalid (Self-intersection" in result.stderr
    assert "Traceback" not in result.stderr
    assert table_counts(db_url) == before


def test_stored_rows_areas_and_geometries_are_those_read(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "small.gpkg")
    result = cli("import", "parcels", path, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == len(small_city)
    expected = _canonical(path).sort_values("code").reset_index(drop=True)
    with store_of(db_url).read() as uow:
        stored = rows.load_parcels(uow)
    assert list(stored["code"]) == list(expected["code"])
    # the geometry goes as WKB (SpatiaLite) or hex EWKB (PostGIS): the same coordinates
    assert all(
        shapely.equals_exact(a, b, tolerance=0)
        for a, b in zip(stored["geometry"], expected["geometry"], strict=True)
    )
    assert set(shapely.get_type_id(stored["geometry"].to_numpy())) == {6}
    np.testing.assert_array_equal(stored["area_mu"].to_numpy(), expected["area_mu"].to_numpy())
    for name in ("name", "district", "holder", "land_use", "land_use_class"):
        assert _texts(stored[name]) == _texts(expected[name]), name
    for name in ("approved_on", "supplied_on", "completed_on"):
        assert stored[name].equals(expected[name]), name
    np.testing.assert_array_equal(
        stored["recorded_area_mu"].to_numpy(), expected["recorded_area_mu"].to_numpy()
    )


def _odd_values(n: int) -> pd.DataFrame:
    """Rows of every type the binary COPY encodes, with the values that trip encoders:
    NULLs, empty text, quotes, commas, line breaks, dates before 1970 and 2000, -0.0."""
    texts = ['鲁南"机械", 有限\n公司', "", None, "a\\b", "东至空地，南至规划道路"]
    days = ["1969-12-31", "1999-12-31", "2000-01-01", None, "2026-06-30"]
    stamps = ["2026-01-02T03:04:05.123456+00:00", None, "1999-12-31T23:59:59+08:00"]
    floats = [0.1, np.nan, -0.0, 1e300, -2.5]
    return pd.DataFrame(
        {
            "s": [texts[i % 5] for i in range(n)],
            "v": [None if i % 7 == 0 else f"v{i % 1000}" for i in range(n)],
            "f": [floats[i % 5] for i in range(n)],
            "i": pd.array([None if i % 4 == 0 else i - n // 2 for i in range(n)], dtype="Int32"),
            "j": np.arange(n, dtype=np.int64) * 3_000_000_000,
            "b": [i % 3 == 0 for i in range(n)],
            "d": pd.to_datetime(pd.Series([days[i % 5] for i in range(n)])).astype("datetime64[s]"),
            "ts": pd.to_datetime(
                pd.Series([stamps[i % 3] for i in range(n)]), utc=True, format="ISO8601"
            ),
            "g": [
                shapely.MultiPolygon([shapely.box(i * 1e-3, 30, i * 1e-3 + 1e-4, 30.5)])
                for i in range(n)
            ],
        }
    )


TABLE_OF_ALL = (
    "(s TEXT, v VARCHAR(8), f DOUBLE PRECISION, i INTEGER, j BIGINT, b BOOLEAN, d DATE, "
    "ts TIMESTAMPTZ, g geometry(MULTIPOLYGON, 4490))"
)
READ_BACK = "SELECT s, v, f::text, i, j, b, d::text, ts, ST_AsEWKB(g) FROM {} ORDER BY j"


def test_binary_copy_stores_what_the_csv_copy_stores(db_url, monkeypatch):
    """PostGIS: the binary COPY (``db.pg_binary``) of a frame of every type it encodes,
    across several blocks, stores the very rows the CSV COPY stores, and the values
    given; a column of a type it does not encode (numeric) goes by CSV."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the binary COPY is PostGIS's")
    from sqlalchemy import text

    from landbank.db.bulk import insert_frame
    from landbank.db.dialects import BINARY_BLOCK, PostGISSql

    frame = _odd_values(2 * BINARY_BLOCK + 3)
    csv = PostGISSql._copy_csv
    with store_of(db_url).write(by="t") as uow:
        for name in ("by_binary", "by_csv"):
            uow.execute(text(f"CREATE TEMPORARY TABLE {name} {TABLE_OF_ALL}"))

        def refused(*args, **kwargs):
            raise AssertionError("the binary COPY fell back to CSV")

        monkeypatch.setattr(PostGISSql, "_copy_csv", staticmethod(refused))
        insert_frame(uow, "by_binary", frame, geom_column="g", staging=True)
        monkeypatch.setattr(PostGISSql, "_binary_ok", staticmethod(lambda *a: False))
        monkeypatch.setattr(PostGISSql, "_copy_csv", staticmethod(csv))
        insert_frame(uow, "by_csv", frame, geom_column="g", staging=True)
        binary = uow.execute(text(READ_BACK.format("by_binary"))).all()
        by_csv = uow.execute(text(READ_BACK.format("by_csv"))).all()
    assert len(binary) == len(frame)
    assert binary == by_csv
    first = binary[:5]
    assert [r.s for r in first] == [
        '鲁南"机械", 有限\n公司',
        "",
        None,
        "a\\b",
        "东至空地，南至规划道路",
    ]
    assert [r.d for r in first] == ["1969-12-31", "1999-12-31", "2000-01-01", None, "2026-06-30"]
    assert [r.f for r in first] == ["0.1", None, "-0", "1e+300", "-2.5"]
    assert first[0].ts == dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    assert first[1].ts is None
    assert first[2].ts == dt.datetime(1999, 12, 31, 15, 59, 59, tzinfo=dt.UTC)
    assert [r.i for r in first] == [
        None,
        1 - len(frame) // 2,
        2 - len(frame) // 2,
        3 - len(frame) // 2,
        None,
    ]
    assert [r.b for r in first] == [True, False, False, True, False]
    assert first[0].v is None and first[1].v == "v1"
    assert [r.j for r in binary[-2:]] == [
        (len(frame) - 2) * 3_000_000_000,
        (len(frame) - 1) * 3_000_000_000,
    ]
    geoms = shapely.from_wkb([bytes(r[8]) for r in binary])
    assert all(shapely.equals_exact(geoms, frame["g"].to_numpy(), tolerance=0))
    assert set(shapely.get_srid(geoms)) == {4490}


def test_a_column_the_binary_copy_does_not_encode_goes_by_csv(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the binary COPY is PostGIS's")
    from sqlalchemy import text

    from landbank.db.bulk import insert_frame

    frame = pd.DataFrame({"code": ["a", "b"], "amount": [1.25, None]})
    with store_of(db_url).write(by="t") as uow:
        uow.execute(text("CREATE TEMPORARY TABLE money (code TEXT, amount NUMERIC(8, 2))"))
        assert insert_frame(uow, "money", frame, staging=True) == 2
        got = uow.execute(text("SELECT code, amount::text FROM money ORDER BY code")).all()
    assert [tuple(r) for r in got] == [("a", "1.25"), ("b", None)]


def test_parts_are_taken_one_at_a_time_and_a_late_fault_undoes_them_all(db_url, tmp_path):
    """``insert_parcels`` of parts (a file's batches as they are read): each part is
    made only after the previous one was handed to the database (so making it overlaps
    the load), what is stored is what the parts held, and a fault raised while the last
    part is made leaves the database as it was."""
    n, size = 3 * 4000, 4000
    path = write_vector(synthetic_parcels(n, seed=8), tmp_path / "parts.gpkg")
    frame = _canonical(path)
    expected = dict(zip(frame["code"], frame["area_mu"], strict=True))
    events = []

    def parts(fail_at=None):
        for k, at in enumerate(range(0, n, size)):
            if k == fail_at:
                raise RuntimeError("the file broke off")
            events.append(("made", k))
            yield frame.iloc[at : at + size]

    def sent(count):
        events.append(("sent", count))

    store = store_of(db_url)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    before = table_counts(db_url)
    with pytest.raises(RuntimeError, match="broke off"):
        with store.write(by="t", now=now) as uow:
            rows.insert_parcels(uow, parts(fail_at=2), n, "t", now, "x", progress=sent)
    assert table_counts(db_url) == before
    events.clear()
    with store.write(by="t", now=now) as uow:
        assert rows.insert_parcels(uow, parts(), n, "t", now, "x", progress=sent) == n
    made = [i for i, e in enumerate(events) if e[0] == "made"]
    sends = [i for i, e in enumerate(events) if e[0] == "sent"]
    assert len(made) == 3 and sum(events[i][1] for i in sends) == n
    # the second part is made after the first one's rows went, not all parts up front
    assert made[0] < sends[0] < made[1] < made[2]
    with store.read() as uow:
        stored = rows.load_parcels(uow, with_geometry=False)
    got = dict(zip(stored["code"], stored["area_mu"], strict=True))
    assert got == expected
