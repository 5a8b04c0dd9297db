"""Whole-table reads and re-classification at scale: the COPY read of PostGIS gives the
frame the driver's rows give; a classify that derives nothing new rewrites no row."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from landbank.db import parcels as rows
from landbank.db.dialects import PostGISSql
from tests.conftest import ROOT
from tests.helpers import store_of

SAMPLE = ROOT / "data" / "parcels"


@pytest.fixture
def city(cli, db_url):
    """The sample city (layer and ledger), classified, with odd values set on purpose:
    an empty text apart from NULL, a holder with quotes, commas and a line break."""
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        result = cli("import", "parcels", SAMPLE / name, "--upsert", "-q", db=db_url)
        assert result.exit_code == 0, result.stderr
    result = cli("classify", "--as-of", "2026-06-30", db=db_url)
    assert result.exit_code == 0, result.stderr
    store = store_of(db_url)
    with store.write(by="test") as uow:
        codes = [r[0] for r in uow.execute(text("SELECT code FROM parcel ORDER BY code LIMIT 2"))]
        uow.execute(
            text("UPDATE parcel SET holder = :h, holder_address = '' WHERE code = :c"),
            {"h": '鲁南"机械", 有限\n公司', "c": codes[0]},
        )
        uow.execute(text("UPDATE parcel SET retired = true WHERE code = :c"), {"c": codes[1]})
    return db_url


def test_the_copy_read_gives_the_frame_the_drivers_rows_give(city, monkeypatch):
    if not city.startswith("postgresql"):
        pytest.skip("the COPY read is PostGIS's; SpatiaLite reads the driver's rows")
    store = store_of(city)
    with store.read() as uow:
        fast = rows.load_parcels(uow, include_retired=True)
    monkeypatch.setattr(PostGISSql, "read_frame", lambda self, conn, stmt: None)
    with store.read() as uow:
        slow = rows.load_parcels(uow, include_retired=True)
    assert len(fast) == len(slow) == 400
    assert shapely.equals_exact(fast.pop("geometry").values, slow.pop("geometry").values).all()
    assert list(fast.columns) == list(slow.columns)
    for name in fast.columns:
        a, b = fast[name], slow[name]
        if isinstance(a.dtype, pd.DatetimeTZDtype):
            a, b = a.dt.tz_convert("UTC"), b.dt.tz_convert("UTC")
        same = (a.astype(object) == b.astype(object)) | (a.isna() & b.isna())
        assert same.all(), (name, a[~same].head(3).tolist(), b[~same].head(3).tolist())
    odd = fast[fast["holder"].astype(str).str.contains("机械", regex=False)].iloc[0]
    assert odd["holder"] == '鲁南"机械", 有限\n公司' and odd["holder_address"] == ""
    assert fast["retired"].sum() == 1 and fast["category_reasons"].map(len).gt(0).any()


def _updated(url: str) -> pd.Series:
    with store_of(url).read() as uow:
        found = uow.execute(text("SELECT code, updated_at FROM parcel ORDER BY code")).all()
    return pd.Series({code: str(at) for code, at in found})


def test_a_classify_that_derives_nothing_new_rewrites_no_row(cli, city):
    before = _updated(city)
    result = cli("classify", "--as-of", "2026-06-30", "--json", db=city)
    assert result.exit_code == 0, result.stderr
    assert (_updated(city) == before).all()
    result = cli("classify", "--as-of", "2026-07-31", "--json", db=city)
    assert result.exit_code == 0, result.stderr
    after = _updated(city)
    current = ~before.index.isin(_retired(city))
    assert (after[current] != before[current]).all()  # a new as-of date is on every row


def _retired(url: str) -> list[str]:
    with store_of(url).read() as uow:
        return [r[0] for r in uow.execute(text("SELECT code FROM parcel WHERE retired"))]
