"""landbank import parcels: every format in, areas in mu, history, one transaction."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from landbank.domain.area import M2_PER_MU
from tests.helpers import table_counts, write_table, write_vector  # noqa: F401


def listed(cli, db_url) -> dict[str, dict]:
    result = cli("parcels", "list", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    return {p["code"]: p for p in json.loads(result.stdout)}


def test_import_geopackage_with_chinese_headers(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "parcels.gpkg", layer="地块")
    result = cli("import", "parcels", path, "--layer", "地块", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 40 and summary["rows"] == 40
    assert sum(d["count"] for d in summary["by_district"]) == 40
    got = listed(cli, db_url)
    assert set(got) == set(small_city["code"])
    first = small_city.iloc[0]
    shown = json.loads(cli("parcels", "show", first["code"], "--json", db=db_url).stdout)
    assert shown["district"] == first["district"]
    assert shown["approved_on"] == first["approved_on"].strftime("%Y-%m-%d")
    assert shown["recorded_area_mu"] == pytest.approx(first["recorded_area_mu"])
    assert shown["version"] == 1
    centroid = first["geometry"].centroid
    assert shown["centroid"] == pytest.approx([centroid.x, centroid.y], abs=1e-6)
    assert table_counts(db_url)["parcel_event"] == 40  # one "created" row each


@pytest.mark.parametrize(
    "suffix, kwargs",
    [
        (".geojson", {}),
        (".fgb", {}),
        (".shp", {"encoding": "UTF-8"}),
    ],
)
def test_import_vector_formats(cli, db_url, small_city, tmp_path, suffix, kwargs):
    headers = "canonical" if suffix == ".shp" else "zh"
    frame = small_city.copy()
    if suffix == ".shp":  # a Shapefile's fields are at most 10 characters: short aliases
        path = tmp_path / "p.shp"
        from landbank.domain.area import area_mu
        from landbank.io.write import write_parcels

        write_parcels(
            frame.assign(category=None, area_mu=area_mu(frame["geometry"].to_numpy())), path
        )
    else:
        path = write_vector(frame, tmp_path / f"p{suffix}", headers=headers, **kwargs)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 0, result.stderr
    got = listed(cli, db_url)
    assert len(got) == 40
    for _, row in frame.iterrows():
        shown = json.loads(cli("parcels", "show", row["code"], "--json", db=db_url).stdout)
        assert shown["district"] == row["district"]
        assert shown["holder"] == (None if pd.isna(row["holder"]) else row["holder"])
        price = None if pd.isna(row["land_price_wan"]) else pytest.approx(row["land_price_wan"])
        assert shown["land_price_wan"] == price
        expected = None if pd.isna(row["agreed_start_on"]) else str(row["agreed_start_on"].date())
        assert shown["agreed_start_on"] == expected


def test_import_shapefile_in_gbk_without_cpg(cli, db_url, small_city, tmp_path):
    """ArcGIS writes Chinese shapefiles in GBK, often with no .cpg beside them."""
    import geopandas as gpd

    frame = small_city.head(5)
    gdf = gpd.GeoDataFrame(
        {"地块编号": frame["code"], "行政区": frame["district"], "园区": frame["park"]},
        geometry=frame["geometry"].to_numpy(),
        crs="EPSG:4490",
    )
    path = tmp_path / "gbk.shp"
    gdf.to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert "行政区".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 0, result.stderr
    got = listed(cli, db_url)
    assert {c: p["district"] for c, p in got.items()} == dict(
        zip(frame["code"], frame["district"], strict=True)
    )
    assert {p["park"] for p in got.values()} == set(frame["park"])


@pytest.mark.parametrize("suffix, encoding", [(".csv", "utf-8"), (".csv", "gbk"), (".xlsx", None)])
def test_import_tables_with_a_wkt_column(cli, db_url, small_city, tmp_path, suffix, encoding):
    path = write_table(small_city, tmp_path / f"p{suffix}", encoding=encoding or "utf-8")
    result = cli("import", "parcels", path, "--crs", "4490", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    got = listed(cli, db_url)
    for _, row in small_city.iterrows():
        assert got[row["code"]]["district"] == row["district"]


def test_area_is_measured_on_the_survey_plane(cli, db_url, small_city, tmp_path):
    """A file drawn on CGCS2000 3° zone 39 (with prefix): area_mu equals its plane area."""
    to_plane = Transformer.from_crs(4490, 4527, always_xy=True)
    plane = shapely.transform(
        small_city["geometry"].to_numpy(),
        lambda xy: np.column_stack(to_plane.transform(xy[:, 0], xy[:, 1])),
    )
    frame = small_city.assign(geometry=plane)
    path = write_vector(frame, tmp_path / "plane.gpkg", crs="EPSG:4527")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    got = listed(cli, db_url)
    for code, geom in zip(frame["code"], plane, strict=True):
        survey = geom.area / M2_PER_MU
        assert got[code]["area_mu"] == pytest.approx(survey, rel=1e-3)


def test_recorded_area_off_by_more_than_five_percent_is_a_warning(
    cli, db_url, small_city, tmp_path
):
    frame = small_city.copy()
    frame.loc[0, "recorded_area_mu"] = frame.loc[0, "recorded_area_mu"] * 1.2
    path = write_vector(frame, tmp_path / "p.gpkg")
    result = cli("import", "parcels", path, "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert frame.loc[0, "code"] in summary["area_mismatch_codes"]
    assert any("more than 5 %" in w for w in summary["warnings"])


def test_field_option_and_mapping_file_name_other_columns(cli, db_url, small_city, tmp_path):
    frame = small_city.head(5)
    data = pd.DataFrame(
        {"DKBH": frame["code"], "QX": frame["district"], "MJ": frame["recorded_area_mu"]}
    )
    data["wkt"] = shapely.to_wkt(frame["geometry"].to_numpy())
    path = tmp_path / "odd.csv"
    data.to_csv(path, index=False)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[fields]\ndistrict = "QX"\n', encoding="utf-8")
    result = cli(
        "import",
        "parcels",
        path,
        "--field",
        "code=DKBH",
        "--field",
        "recorded_area_mu=MJ",
        "--mapping",
        mapping,
        "--crs",
        "EPSG:4490",
        db=db_url,
    )
    assert result.exit_code == 0, result.stderr
    got = listed(cli, db_url)
    assert got[frame["code"].iloc[0]]["district"] == frame["district"].iloc[0]


def test_dry_run_writes_nothing(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "p.gpkg")
    before = table_counts(db_url)
    result = cli("import", "parcels", path, "--dry-run", "--json", db=db_url)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["imported"] == 40
    assert table_counts(db_url) == before


def test_existing_codes_are_refused_without_upsert(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "p.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    before = table_counts(db_url)
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    assert "already in the database" in result.stderr and "--upsert" in result.stderr
    assert table_counts(db_url) == before


def test_upsert_records_each_changed_field_and_bumps_the_version(cli, db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "p.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    changed = small_city.copy()
    code = changed.loc[3, "code"]
    changed.loc[3, "started_on"] = pd.Timestamp("2025-03-01")
    changed.loc[3, "land_price_wan"] = 999.5
    path2 = write_vector(changed, tmp_path / "p2.gpkg")
    result = cli("import", "parcels", path2, "--upsert", "--by", "clerk-li", "--json", db=db_url)
    summary = json.loads(result.stdout)
    assert (summary["updated"], summary["unchanged"], summary["imported"]) == (1, 39, 0)
    shown = json.loads(cli("parcels", "show", code, "--json", db=db_url).stdout)
    assert shown["version"] == 2 and shown["land_price_wan"] == 999.5
    assert shown["started_on"] == "2025-03-01"
    from sqlalchemy import text

    from landbank.db.engine import make_engine

    with make_engine(db_url).connect() as conn:
        events = conn.execute(
            text(
                "SELECT field, new_value, by FROM parcel_event WHERE parcel_code = :c "
                "AND field <> 'created' ORDER BY field"
            ),
            {"c": code},
        ).all()
    assert [(e[0], e[1], e[2]) for e in events] == [
        ("land_price_wan", "999.5", "clerk-li"),
        ("started_on", "2025-03-01", "clerk-li"),
    ]


def test_duplicate_codes_are_refused_or_dissolved(cli, db_url, small_city, tmp_path):
    frame = small_city.head(6).copy()
    frame.loc[1, "code"] = frame.loc[0, "code"]
    path = write_vector(frame, tmp_path / "dup.gpkg")
    result = cli("import", "parcels", path, db=db_url)
    assert result.exit_code == 1
    assert frame.loc[0, "code"] in result.stderr and "--dissolve-duplicates" in result.stderr
    result = cli("import", "parcels", path, "--dissolve-duplicates", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    got = listed(cli, db_url)
    assert len(got) == 5
    union_mu = got[frame.loc[0, "code"]]["area_mu"]
    from landbank.domain.area import area_mu

    parts = area_mu(frame["geometry"].to_numpy()[:2])
    assert union_mu == pytest.approx(parts.sum(), rel=1e-6)  # neighbours, no overlap


def test_init_is_idempotent_and_reports_the_schema(cli, empty_db_url):
    first = cli("init", "--json", db=empty_db_url)
    second = cli("init", "--json", db=empty_db_url)
    assert json.loads(first.stdout)["changed"] is True
    assert json.loads(second.stdout)["changed"] is False
    assert json.loads(second.stdout)["after"] == json.loads(first.stdout)["after"]


def test_a_database_without_schema_says_to_run_init(cli, empty_db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "p.gpkg")
    result = cli("import", "parcels", path, db=empty_db_url)
    assert result.exit_code == 1
    assert f"run: landbank --db {empty_db_url} init" in result.stderr


def _show(cli, db, code):
    return json.loads(cli("parcels", "show", code, "--json", db=db).stdout)


def test_upsert_of_a_partial_file_leaves_the_other_fields_as_they_are(
    cli, db_url, small_city, tmp_path
):
    assert (
        cli("import", "parcels", write_vector(small_city, tmp_path / "p.gpkg"), db=db_url).exit_code
        == 0
    )
    code = small_city["code"].iloc[5]
    before = _show(cli, db_url, code)
    part = pd.DataFrame(
        {
            "地块编号": small_city["code"].head(8),
            "土地价款(万元)": small_city["land_price_wan"].head(8),
        }
    )
    part.loc[5, "土地价款(万元)"] = 1234.5
    part["wkt"] = shapely.to_wkt(small_city["geometry"].head(8).to_numpy(), rounding_precision=-1)
    path = tmp_path / "price.csv"
    part.to_csv(path, index=False)
    result = cli("import", "parcels", path, "--upsert", "--crs", "4490", "--json", db=db_url)
    summary = json.loads(result.stdout)
    assert (summary["updated"], summary["unchanged"]) == (1, 7), summary
    after = _show(cli, db_url, code)
    assert after["land_price_wan"] == 1234.5 and after["version"] == 2
    for key in (
        "name",
        "district",
        "holder",
        "approved_on",
        "supplied_on",
        "cause",
        "recorded_area_mu",
        "total_investment_wan",
    ):
        assert after[key] == before[key], key


def test_an_attribute_only_ledger_updates_stored_parcels(cli, db_url, small_city, tmp_path):
    assert (
        cli("import", "parcels", write_vector(small_city, tmp_path / "p.gpkg"), db=db_url).exit_code
        == 0
    )
    ledger = pd.DataFrame(
        {
            "地块编号": small_city["code"].head(4),
            "实际开工日期": ["2025-01-02", "2025-02-03", "2025-03-04", None],
        }
    )
    path = tmp_path / "台账.xlsx"
    ledger.to_excel(path, index=False)
    result = cli("import", "parcels", path, "--upsert", "--json", db=db_url)
    assert result.exit_code == 0, result.stderr
    codes = small_city["code"].head(4).tolist()
    assert _show(cli, db_url, codes[0])["started_on"] == "2025-01-02"
    geometry_before = small_city["geometry"].iloc[0].area
    assert _show(cli, db_url, codes[0])["area_mu"] > 0 and geometry_before > 0
    ledger.loc[4] = ["NOT-STORED", "2025-05-05"]
    ledger.to_excel(path, index=False)
    before = table_counts(db_url)
    result = cli("import", "parcels", path, "--upsert", db=db_url)
    assert result.exit_code == 1 and "NOT-STORED" in result.stderr
    assert "not in the database" in result.stderr
    assert table_counts(db_url) == before


def test_upsert_of_many_changed_parcels_writes_every_one(cli, db_url, small_city, tmp_path):
    assert (
        cli("import", "parcels", write_vector(small_city, tmp_path / "p.gpkg"), db=db_url).exit_code
        == 0
    )
    changed = small_city.assign(land_price_wan=small_city["land_price_wan"].fillna(0) + 1)
    result = cli(
        "import",
        "parcels",
        write_vector(changed, tmp_path / "q.gpkg"),
        "--upsert",
        "--json",
        db=db_url,
    )
    assert json.loads(result.stdout)["updated"] == 40
    assert {p["code"] for p in listed(cli, db_url).values()} == set(small_city["code"])
    assert all(_show(cli, db_url, c)["version"] == 2 for c in small_city["code"].head(5))


def test_a_stale_version_is_refused_not_merged(db_url, small_city, tmp_path, cli):
    from landbank.db import parcels as rows
    from landbank.db.engine import make_engine
    from landbank.errors import ConflictError

    assert (
        cli(
            "import", "parcels", write_vector(small_city.head(3), tmp_path / "p.gpkg"), db=db_url
        ).exit_code
        == 0
    )
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = rows.load_parcels(conn)
    stale = {c: 0 for c in stored["code"]}  # as if read before someone else's change
    with pytest.raises(ConflictError, match="changed by someone else"):
        with engine.begin() as conn:
            rows.update_parcels(
                conn,
                stored.assign(name="x"),
                ["name"],
                stale,
                pd.Timestamp.now(tz="UTC"),
                with_geometry=False,
            )
    engine.dispose()
    assert all(p["name"] != "x" for p in listed(cli, db_url).values())


def test_english_ledger_imports_again(cli, db_url, other_db_url, small_city, tmp_path):
    assert (
        cli(
            "import", "parcels", write_vector(small_city.head(5), tmp_path / "p.gpkg"), db=db_url
        ).exit_code
        == 0
    )
    out = tmp_path / "en.xlsx"
    assert cli("--lang", "en", "export", out, db=db_url).exit_code == 0
    result = cli("import", "parcels", out, "--crs", "4490", "--json", db=other_db_url)
    assert result.exit_code == 0, result.stderr
    assert set(listed(cli, other_db_url)) == set(small_city["code"].head(5))


def test_created_history_belongs_to_the_import_that_made_the_parcel(db_url, small_city):
    """Two imports at once on a shared server: each one's "created" rows name its own
    author, never the other's parcels."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer at a time; the interleaving cannot happen")
    from sqlalchemy import text

    from landbank.db import parcels as rows
    from landbank.db.engine import make_engine
    from landbank.domain.area import area_mu

    frame = small_city.assign(
        area_mu=area_mu(small_city["geometry"].to_numpy()), land_use_class=None
    )
    a, b = frame.iloc[:20], frame.iloc[20:]
    engine = make_engine(db_url)
    now = pd.Timestamp.now(tz="UTC")
    with engine.connect() as first, engine.connect() as second:
        t1 = first.begin()
        rows.insert_parcels(first, [a], len(a), "alice", now, "import a")
        with second.begin():
            rows.insert_parcels(second, [b], len(b), "bob", now, "import b")
        t1.commit()
    with engine.connect() as conn:
        authors = dict(
            conn.execute(
                text("SELECT parcel_code, by FROM parcel_event WHERE field = 'created'")
            ).all()
        )
    engine.dispose()
    assert authors == {**{c: "alice" for c in a["code"]}, **{c: "bob" for c in b["code"]}}
