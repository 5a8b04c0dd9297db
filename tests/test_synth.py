"""The synthetic city: reproducible, realistic, in Zaozhuang's real place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landbank.domain.area import area_mu
from landbank.synth import CATEGORY_SHARES, synthetic_parcels
from tests.conftest import ROOT


def test_same_seed_same_city_other_seed_other_city():
    a, b, c = (
        synthetic_parcels(300, seed=4),
        synthetic_parcels(300, seed=4),
        synthetic_parcels(300, seed=5),
    )
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert shapely.equals_exact(a["geometry"].to_numpy(), b["geometry"].to_numpy()).all()
    assert not a["land_price_wan"].equals(c["land_price_wan"])


@pytest.mark.parametrize("n", [1, 17, 2_000])
def test_exactly_the_number_of_parcels_asked_for_with_unique_codes(n):
    frame = synthetic_parcels(n, seed=1)
    assert len(frame) == n and frame["code"].is_unique


def test_parcels_are_valid_contiguous_and_of_plausible_size():
    frame = synthetic_parcels(2_000, seed=2)
    geoms = frame["geometry"].to_numpy()
    assert shapely.is_valid(geoms).all()
    mu = area_mu(geoms)
    assert 2 < np.median(mu) < 80 and mu.min() > 0.5
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="touches")
    neighbours = np.bincount(pairs[0], minlength=len(geoms))
    assert (neighbours > 0).mean() > 0.95  # parcels share edges within blocks
    overlaps = tree.query(geoms, predicate="overlaps")
    assert overlaps.shape[1] == 0


def test_the_city_lies_in_zaozhuang():
    b = shapely.total_bounds(synthetic_parcels(3_000, seed=3)["geometry"].to_numpy())
    assert 116.9 < b[0] and b[2] < 117.9 and 34.4 < b[1] and b[3] < 35.3


def test_every_category_is_represented_with_dates_that_fit_it():
    f = synthetic_parcels(1_000, seed=9)
    assert set(f["intended_category"]) == set(CATEGORY_SHARES)
    ans = f[f["intended_category"] == "approved_not_supplied"]
    assert ans["approved_on"].notna().all() and ans["supplied_on"].isna().all()
    snu = f[f["intended_category"] == "supplied_not_used"]
    assert snu["supplied_on"].notna().all() and snu["started_on"].isna().all()
    bno = f[f["intended_category"] == "built_not_operating"]
    assert bno["completed_on"].notna().all() and bno["operating_on"].isna().all()
    ordered = f.dropna(subset=["supplied_on", "started_on"])
    assert (ordered["started_on"] >= ordered["supplied_on"]).all()


def test_the_bundled_sample_is_the_generator_output_and_says_it_is_synthetic():
    sample = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    frame = pyogrio.read_dataframe(sample)
    assert len(frame) == 400 and frame["地块编号"].is_unique
    assert "synthetic" in (ROOT / "data" / "README.md").read_text(encoding="utf-8").lower()
    ledger = pd.read_excel(ROOT / "data" / "parcels" / "zaozhuang_ledger.xlsx")
    assert set(ledger["地块编号"]) == set(frame["地块编号"]) and "批准日期" in ledger
    assert (ROOT / "data" / "buildings" / "zaozhuang_buildings.xlsx").exists()
    assert (ROOT / "data" / "performance" / "zaozhuang_performance_2025.xlsx").exists()
    assert len(list((ROOT / "data" / "projects").glob("*.toml"))) >= 2


def test_synth_command_writes_a_file_that_imports(cli, tmp_path, spatialite_template):
    import json
    import shutil

    out = tmp_path / "city.gpkg"
    result = cli("synth", "--parcels", "250", "--seed", "3", "--out", out, "--json")
    assert json.loads(result.stdout)["parcels"] == 250
    db = tmp_path / "c.sqlite"
    shutil.copy(spatialite_template, db)
    result = cli("import", "parcels", out, "--json", db=f"sqlite:///{db}")
    assert json.loads(result.stdout)["imported"] == 250


def test_a_province_is_written_a_city_at_a_time_and_imports(
    cli, tmp_path, spatialite_template, monkeypatch
):
    """Beyond CITY_MOST parcels ``synth`` makes a province of cities side by side, one
    city in memory at a time, appended to the file: every parcel comes back on import,
    codes unique, the cities apart (no parcel of one meets another's), the first city
    the same as a city of its size alone."""
    import json
    import shutil

    import pyogrio
    import shapely

    from landbank.services import synth_files
    from landbank.synth import synthetic_parcels

    monkeypatch.setattr(synth_files, "CITY_MOST", 120)
    out = tmp_path / "province.gpkg"
    result = cli("synth", "--parcels", "300", "--seed", "4", "--out", out, "--json")
    assert json.loads(result.stdout)["parcels"] == 300
    written = pyogrio.read_dataframe(out)
    assert len(written) == 300 and written["地块编号"].is_unique
    cities = written["地块编号"].str.extract(r"^(C\d+)-")[0].fillna("C0")
    assert cities.value_counts().sort_index().tolist() == [100, 100, 100]
    boxes = [shapely.box(*written[cities == c].total_bounds) for c in ("C0", "C1", "C2")]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    alone = synthetic_parcels(100, seed=4)
    assert written[cities == "C0"]["地块编号"].tolist() == alone["code"].tolist()
    db = tmp_path / "p.sqlite"
    shutil.copy(spatialite_template, db)
    result = cli("import", "parcels", out, "--json", db=f"sqlite:///{db}")
    assert json.loads(result.stdout)["imported"] == 300
