"""Figures by source and year: units in the headers, the guess of a missing unit,
vintages (a re-import replaces only its source and year, the old one kept and read
again for a past moment), unmatched codes and differing names; bad files refused on
both engines with nothing written."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import text

from landbank.db import enterprises as rows
from landbank.db.engine import make_engine
from landbank.domain import credit_codes, units
from landbank.domain.enterprises import year_figures
from landbank.errors import ForbiddenError, InputError
from landbank.services.figures import import_figures
from tests.helpers import store_of

A = credit_codes.with_check("91370402MA3C00001")
B = credit_codes.with_check("91370402MA3C00002")
C = credit_codes.with_check("91370403MA3C00003")
STRANGER = credit_codes.with_check("91370481MA3C00009")
CODE, NAME = "统一社会信用代码", "企业名称"


def _wrong(code: str) -> str:
    """``code`` with another check character."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


# --- units ----------------------------------------------------------------------------

HEADERS = [
    ("税收（元）", "税收", "元", 1e-4),
    ("税收(万元)", "税收", "万元", 1.0),
    ("税收实际贡献【亿元】", "税收实际贡献", "亿元", 1e4),
    ("用电量（万千瓦时）", "用电量", "万千瓦时", 1e4),
    ("用电量/kWh", "用电量", "kwh", 1.0),
    ("用电量_MWh", "用电量", "mwh", 1e3),
    ("综合能耗（吨标准煤）", "综合能耗", "吨标准煤", 1.0),
    ("综合能耗（万吨标煤）", "综合能耗", "万吨标煤", 1e4),
    ("排放量（千克）", "排放量", "千克", 1e-3),
    ("营业收入（单位：千元）", "营业收入", "千元", 0.1),
    ("税收", "税收", None, 1.0),
    ("税收(含附加)", "税收(含附加)", None, 1.0),
]
DIMENSION = {"税": "money", "营": "money", "用": "electricity", "综": "energy", "排": "mass"}


@pytest.mark.parametrize("header, name, unit, factor", HEADERS, ids=[h[0] for h in HEADERS])
def test_units_in_headers_are_read_and_converted(header, name, unit, factor):
    got = units.split_header(header)
    assert (got.name, got.unit) == (name, unit)
    assert units.factor(DIMENSION[name[0]], got.unit) == factor


def test_a_unit_of_another_kind_does_not_convert():
    header = units.split_header("税收（千瓦时）")
    assert units.factor("money", header.unit) is None
    assert "not a unit of money" in units.wrong_unit("money", header)


TAX_TYPICAL = (0.5, 5000.0)


def test_tax_in_yuan_under_a_header_without_unit_looks_like_yuan():
    in_yuan = [1_200_000.0, 350_000.0, 8_000_000.0, 90_000.0, 0.0]
    assert units.guess_unit("money", TAX_TYPICAL, in_yuan) == "元"
    assert units.guess_unit("money", TAX_TYPICAL, [120.0, 35.0, 800.0, 9.0]) is None


def test_power_in_ten_thousand_kwh_without_unit_looks_like_it():
    in_wan = [12.0, 300.0, 45.0, 80.0]  # 万千瓦时: far too little for a firm's kWh
    assert units.guess_unit("electricity", (5e3, 5e7), in_wan) == "万千瓦时"
    assert units.guess_unit("electricity", (5e3, 5e7), [1.2e5, 3e6, 4.5e5]) is None


def test_values_outside_the_typical_range_with_no_unit_that_fits_are_left_alone():
    assert units.guess_unit("money", TAX_TYPICAL, [3e12, 5e12]) is None
    assert units.guess_unit("money", TAX_TYPICAL, [0.001, 0.002]) == "亿元"
    assert units.guess_unit("persons", None, [1e9]) is None


def test_a_figure_comes_from_its_own_source_first():
    found = pd.DataFrame(
        {
            "credit_code": [A, A, B],
            "source": ["statistics", "tax", "statistics"],
            "vintage_id": [3, 1, 3],
            "tax_wan": [99.0, 10.0, 7.0],
            "revenue_wan": [500.0, None, 80.0],
        }
    )
    year = year_figures(found).set_index("credit_code")
    assert year.loc[A, "tax_wan"] == 10.0 and year.loc[A, "tax_wan_vintage"] == 1
    assert year.loc[B, "tax_wan"] == 7.0 and year.loc[B, "tax_wan_vintage"] == 3
    assert year.loc[A, "revenue_wan"] == 500.0
    assert pd.isna(year.loc[A, "power_kwh"])


# --- imports, on both engines ---------------------------------------------------------


@pytest.fixture
def registered(cli, db_url, tmp_path):
    """Three enterprises in the register of ``db_url``."""
    register = pd.DataFrame(
        {
            CODE: [A, B, C],
            NAME: ["甲机械有限公司", "乙电子有限公司", "丙化工有限公司"],
            "企业规模": ["规上", "规下", "规上"],
        }
    )
    register.to_excel(tmp_path / "企业.xlsx", index=False)
    assert cli("import", "enterprises", tmp_path / "企业.xlsx", db=db_url).exit_code == 0
    return db_url


def _file(path, columns: dict):
    frame = pd.DataFrame(columns)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def _figures(cli, url, path, source, year):
    result = cli("import", "figures", path, "--source", source, "--year", str(year), "--json",
                 db=url)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("figure_vintage", "enterprise_figure", "enterprise")
        }
    engine.dispose()
    return counts


def test_import_figures_converts_the_units_and_shows_them_by_year(cli, registered, tmp_path):
    tax = _file(
        tmp_path / "税务.xlsx",
        {CODE: [A, B], "纳税人名称": ["甲机械有限公司", "乙电子有限公司"],
         "税收实际贡献（元）": [1_234_500, 80_000]},
    )  # fmt: skip
    summary = _figures(cli, registered, tax, "tax", 2025)
    assert summary["units"] == {"tax_wan": "元"} and summary["rows"] == 2
    power = _file(
        tmp_path / "电力.csv", {"用户名称": ["甲"], CODE: [A], "用电量（万千瓦时）": [12.5]}
    )
    _figures(cli, registered, power, "power", 2025)
    stats = _file(
        tmp_path / "统计.xlsx",
        {CODE: [A], "营业收入（千元）": [52_000], "年平均从业人数（人）": [120],
         "研发经费支出（万元）": [30.5], "工业增加值": [1500.0]},
    )  # fmt: skip
    _figures(cli, registered, stats, "statistics", 2025)
    shown = json.loads(cli("enterprises", "show", A, "--json", db=registered).stdout)
    by_source = {f["source"]: f for f in shown["figures"]}
    assert by_source["tax"]["figures"] == {"tax_wan": pytest.approx(123.45)}
    assert by_source["tax"]["file"] == "税务.xlsx" and by_source["tax"]["current"]
    assert by_source["power"]["figures"] == {"power_kwh": pytest.approx(125_000.0)}
    assert by_source["statistics"]["figures"] == {
        "revenue_wan": pytest.approx(5200.0),
        "employees": 120.0,
        "rd_wan": 30.5,
        "value_added_wan": 1500.0,
    }


def test_a_reimport_replaces_only_its_source_and_year_and_keeps_the_old(cli, registered, tmp_path):
    url = registered
    _figures(
        cli, url, _file(tmp_path / "t24.csv", {CODE: [A], "税收（万元）": [10.0]}), "tax", 2024
    )
    first = _figures(
        cli, url, _file(tmp_path / "t25.csv", {CODE: [A], "税收（万元）": [20.0]}), "tax", 2025
    )
    power = _figures(
        cli, url, _file(tmp_path / "p25.csv", {CODE: [A], "用电量（千瓦时）": [5e5]}), "power", 2025
    )
    again = _figures(
        cli, url, _file(tmp_path / "t25b.csv", {CODE: [A], "税收（万元）": [25.0]}), "tax", 2025
    )
    assert again["replaced_vintage"] == {
        "id": first["vintage_id"],
        "file": "t25.csv",
        "same_content": False,
    }
    listed = json.loads(cli("enterprises", "vintages", "--json", db=url).stdout)
    current = {(v["source"], v["year"]): v["file"] for v in listed if v["current"]}
    assert current == {("tax", 2024): "t24.csv", ("tax", 2025): "t25b.csv",
                       ("power", 2025): "p25.csv"}  # fmt: skip
    replaced = [v for v in listed if not v["current"]]
    assert [(v["id"], v["file"]) for v in replaced] == [(first["vintage_id"], "t25.csv")]
    assert replaced[0]["replaced_at"] is not None
    shown = json.loads(cli("enterprises", "show", A, "--json", db=url).stdout)
    tax25 = [(f["file"], f["current"], f["figures"]["tax_wan"]) for f in shown["figures"]
             if f["source"] == "tax" and f["year"] == 2025]  # fmt: skip
    assert sorted(tax25) == [("t25.csv", False, 20.0), ("t25b.csv", True, 25.0)]
    assert power["vintage_id"] in {f["vintage_id"] for f in shown["figures"] if f["current"]}


def test_the_figures_of_a_past_moment_are_read_from_the_vintages_current_then(
    cli, registered, tmp_path
):
    url = registered
    _figures(
        cli,
        url,
        _file(tmp_path / "a.csv", {CODE: [A, B], "税收（万元）": [20.0, 5.0]}),
        "tax",
        2025,
    )
    store = store_of(url)
    with store.read() as uow:
        between = uow.now
    _figures(cli, url, _file(tmp_path / "b.csv", {CODE: [A], "税收（万元）": [25.0]}), "tax", 2025)
    with store.read() as uow:
        now = rows.figure_rows(uow, 2025)
        then = rows.figure_rows(uow, 2025, as_at=between)
        before_any = rows.figure_rows(uow, 2025, as_at=between - dt.timedelta(days=1))
    assert dict(zip(now["credit_code"], now["tax_wan"], strict=True)) == {A: 25.0}
    assert dict(zip(then["credit_code"], then["tax_wan"], strict=True)) == {A: 20.0, B: 5.0}
    assert set(then["file_name"]) == {"a.csv"}
    assert before_any.empty


def test_unmatched_codes_are_kept_and_listed_and_differing_names_flagged(cli, registered, tmp_path):
    url = registered
    path = _file(
        tmp_path / "tax.xlsx",
        {CODE: [A, STRANGER, B],
         "纳税人名称": ["甲机械 有限公司", "外地商贸有限公司", "乙电子股份有限公司"],
         "税收（万元）": [20.0, 3.0, 1.0]},
    )  # fmt: skip
    summary = _figures(cli, url, path, "tax", 2025)
    assert summary["unmatched"] == [
        {"row": "row 3", "credit_code": STRANGER, "name_given": "外地商贸有限公司"}
    ]
    assert summary["names_differ"] == [
        {"row": "row 4", "credit_code": B, "name_given": "乙电子股份有限公司",
         "name_registered": "乙电子有限公司"}
    ]  # fmt: skip
    shown = json.loads(cli("enterprises", "show", STRANGER, "--json", db=url).stdout)
    assert shown["registered"] is False
    assert shown["figures"][0]["unmatched"] and shown["figures"][0]["figures"]["tax_wan"] == 3.0
    assert _counts(url)["enterprise_figure"] == 3


def test_a_clerk_of_one_district_may_not_import_a_vintage_of_the_whole_city(registered, tmp_path):
    path = _file(tmp_path / "tax.csv", {CODE: [A], "税收（万元）": [1.0]})
    before = _counts(registered)
    with pytest.raises(ForbiddenError, match="cover the whole city"):
        import_figures(store_of(registered), path, "tax", 2025, districts=("薛城区",))
    assert _counts(registered) == before


def test_a_year_in_the_future_is_refused_before_the_file_is_read(registered, tmp_path):
    with pytest.raises(InputError, match=r"--year 2027: a year in the future \(today is 2026-"):
        import_figures(
            store_of(registered), tmp_path / "absent.csv", "tax", 2027, today=dt.date(2026, 5, 1)
        )


BAD = [
    (
        "check character",
        {CODE: [A, _wrong(B), _wrong(C)], "税收（万元）": [1.0, 2.0, 3.0]},
        ["2025"],
        "t.csv row 3, credit_code (统一社会信用代码): ",
        "(row 4 too); correct the code",
    ),
    (
        "a code twice",
        {CODE: [A, B, A], "税收（万元）": [1.0, 2.0, 3.0]},
        ["2025"],
        f"t.csv row 4, credit_code (统一社会信用代码): {A} is on row 2 too",
        "one row per enterprise and year",
    ),
    (
        "negative",
        {CODE: [A, B], "税收（万元）": [1.0, -2.0]},
        ["2025"],
        't.csv row 3, tax_wan (税收（万元）): "-2.0" is below 0',
        "check the value",
    ),
    (
        "future year",
        {CODE: [A], "税收（万元）": [1.0]},
        [str(dt.date.today().year + 1)],
        f"--year {dt.date.today().year + 1}: a year in the future",
        "",
    ),
    (
        "no unit, values in yuan",
        {CODE: [A, B, C], "税收": [1_200_000.0, 350_000.0, 8_000_000.0]},
        ["2025"],
        "t.csv, 税收 (no unit): values look like 元, not 万元",
        "write the unit in the header, e.g. 税收（元）",
    ),
    (
        "unit of another kind",
        {CODE: [A], "税收（千瓦时）": [1.0]},
        ["2025"],
        "t.csv, 税收（千瓦时）: '千瓦时' is not a unit of money",
        "",
    ),
    (
        "year column of another year",
        {CODE: [A], "年度": [2024], "税收（万元）": [1.0]},
        ["2025"],
        't.csv row 2, year (年度): "2024" but the import is for --year 2025',
        "",
    ),
    (
        "no figure column",
        {CODE: [A], "备注": ["x"]},
        ["2025"],
        "t.csv: no column of figures",
        "",
    ),
    (
        "no code column",
        {NAME: ["甲"], "税收（万元）": [1.0]},
        ["2025"],
        "t.csv: no credit_code column (统一社会信用代码)",
        "",
    ),
]


@pytest.mark.parametrize("columns, year, said, fix", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_figure_file_is_refused_in_one_line_with_nothing_written(
    cli, registered, tmp_path, columns, year, said, fix
):
    path = _file(tmp_path / "t.csv", columns)
    _figures(
        cli, registered, _file(tmp_path / "ok.csv", {CODE: [A], "税收（万元）": [9.0]}), "tax", 2025
    )
    before = _counts(registered)
    result = cli("import", "figures", path, "--source", "tax", "--year", *year, db=registered)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert said in lines[0] and fix in lines[0]
    assert _counts(registered) == before


def test_an_invalid_check_character_names_the_expected_one_and_every_bad_row(
    cli, registered, tmp_path
):
    wrong = [_wrong(A), _wrong(B)]
    path = _file(tmp_path / "t.xlsx", {CODE: [C, wrong[0], C[:-1], wrong[1]], "税收": [1, 2, 3, 4]})
    result = cli("import", "figures", path, "--source", "tax", "--year", "2025", db=registered)
    assert result.exit_code == 1
    assert (
        f'row 3, credit_code (统一社会信用代码): "{wrong[0]}" check character {wrong[0][-1]}, '
        f"expected {A[-1]} (rows 4, 5 too)" in result.stderr
    )


def test_the_sample_figures_import_for_both_years(cli, db_url):
    from tests.conftest import ROOT

    folder = ROOT / "data" / "enterprises"
    assert cli("import", "enterprises", folder / "enterprises.xlsx", db=db_url).exit_code == 0
    for year in (2024, 2025):
        for source, suffix in (("tax", "xlsx"), ("power", "csv"), ("statistics", "xlsx"),
                               ("ecology", "csv"), ("energy", "xlsx")):  # fmt: skip
            summary = _figures(cli, db_url, folder / f"{source}_{year}.{suffix}", source, year)
            assert summary["rows"] > 150
            if source == "tax":
                assert summary["units"] == {"tax_wan": "元"}
                assert summary["unmatched_count"] == 2 and summary["names_differ_count"] == 1
            else:
                assert summary["unmatched_count"] == 0
    listed = json.loads(cli("enterprises", "vintages", "--json", db=db_url).stdout)
    assert len(listed) == 10 and all(v["current"] for v in listed)


def test_a_file_of_another_source_is_refused_and_the_vintage_stays(cli, db_url):
    """The power company's file imported as tax would replace the real tax vintage."""
    from tests.conftest import ROOT

    folder = ROOT / "data" / "enterprises"
    assert cli("import", "enterprises", folder / "enterprises.xlsx", db=db_url).exit_code == 0
    tax = _figures(cli, db_url, folder / "tax_2025.xlsx", "tax", 2025)
    before = _counts(db_url)
    power = folder / "power_2025.csv"
    result = cli("import", "figures", power, "--source", "tax", "--year", "2025", db=db_url)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--source tax: none of its own columns; a tax file has 税收 (tax_wan)" in lines[0]
    assert "--source power" in lines[0]
    assert _counts(db_url) == before
    listed = json.loads(cli("enterprises", "vintages", "--json", db=db_url).stdout)
    assert [v["id"] for v in listed if v["current"]] == [tax["vintage_id"]]
