"""The per-mu evaluation by enterprise through the command line, on SpatiaLite and
PostGIS: the ``--json`` contract, runs kept once and replaced (a past year reproduced
with ``--as-at`` after a later re-import), who may keep a run, bad profiles and years
in one line, and the sample's D firms turning their parcels operating_below_standard."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.domain import credit_codes
from landbank.errors import ForbiddenError
from landbank.services.evaluation import run_evaluation
from tests.helpers import store_of, write_vector

LARGE, SMALL = 20, 6
CODES = [credit_codes.with_check(f"913704{i:02d}MA3C000{i:02d}") for i in range(LARGE + SMALL)]
NAMES = [f"枣庄第{i}机械有限公司" for i in range(LARGE + SMALL)]
CODE = "统一社会信用代码"
CONTRACT = {"credit_code", "cohort", "land_mu", "score", "grade", "completeness", "components",
            "rule_version", "policies"}  # fmt: skip


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("evaluation", "evaluation_grade", "figure_vintage", "enterprise_figure")
        }
    engine.dispose()
    return counts


def _figures(tmp_path, year: int, seed: int) -> dict[str, object]:
    """Five offices' files of ``year`` for the 26 enterprises (synthetic; the small
    firms only in the tax file)."""
    rng = np.random.default_rng(seed)
    n = LARGE + SMALL
    large = slice(0, LARGE)
    files = {
        "tax": pd.DataFrame({CODE: CODES, "税收（万元）": rng.uniform(20, 800, n).round(1)}),
        "power": pd.DataFrame(
            {CODE: CODES[large], "用电量（千瓦时）": rng.uniform(2e5, 5e6, LARGE).round()}
        ),
        "statistics": pd.DataFrame(
            {
                CODE: CODES[large],
                "营业收入（万元）": rng.uniform(2000, 20000, LARGE).round(1),
                "工业增加值（万元）": rng.uniform(300, 5000, LARGE).round(1),
                "年平均从业人数（人）": rng.integers(20, 400, LARGE),
                "研发经费支出（万元）": rng.uniform(10, 500, LARGE).round(1),
            }
        ),
        "ecology": pd.DataFrame(
            {CODE: CODES[large], "主要污染物排放量（吨）": rng.uniform(1, 50, LARGE).round(2)}
        ),
        "energy": pd.DataFrame(
            {CODE: CODES[large], "综合能耗（吨标准煤）": rng.uniform(50, 3000, LARGE).round(1)}
        ),
    }
    if year == 2025:  # the first firm (its parcel compliant and in production) the worst
        files["tax"].loc[0, "税收（万元）"] = 1.0
        files["statistics"].loc[0, ["工业增加值（万元）", "研发经费支出（万元）"]] = [5.0, 0.5]
        files["ecology"].loc[0, "主要污染物排放量（吨）"] = 500.0
        files["energy"].loc[0, "综合能耗（吨标准煤）"] = 9000.0
    out = {}
    for source, frame in files.items():
        path = tmp_path / f"{source}_{year}.csv"
        frame.to_csv(path, index=False)
        out[source] = path
    return out


def _import(cli, url, path, source, year):
    result = cli("import", "figures", path, "--source", source, "--year", str(year), db=url)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def figured(cli, db_url, small_city, tmp_path):
    """26 parcels held by 26 registered enterprises (20 large, 6 small) with five
    offices' figures of 2024 and 2025; returns (url, {code: parcel code})."""
    frame = small_city.head(LARGE + SMALL).copy()
    frame["holder"] = NAMES
    path = write_vector(frame, tmp_path / "parcels.gpkg")
    assert cli("import", "parcels", path, "-q", db=db_url).exit_code == 0
    register = pd.DataFrame(
        {
            CODE: CODES,
            "企业名称": NAMES,
            "企业规模": ["规上"] * LARGE + ["规下"] * SMALL,
            "行政区": frame["district"].to_numpy(),
        }
    )
    register.to_excel(tmp_path / "企业.xlsx", index=False)
    result = cli("import", "enterprises", tmp_path / "企业.xlsx", "--json", db=db_url)
    assert json.loads(result.stdout)["holders"]["linked_now"] == LARGE + SMALL
    for year, seed in ((2024, 1), (2025, 2)):
        for source, file in _figures(tmp_path, year, seed).items():
            _import(cli, db_url, file, source, year)
    return db_url, dict(zip(CODES, frame["code"], strict=True))


def _evaluate(cli, url, *args) -> dict:
    result = cli("evaluate", *args, "--json", db=url)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _one_line_error(result) -> str:
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_evaluate_json_carries_each_enterprises_grade_its_reasons_and_policies(cli, figured):
    url, _ = figured
    run = _evaluate(cli, url, "--year", "2025", "--by", "王")
    assert run["kept"] and run["year"] == 2025 and run["by"] == "王"
    found = {e["credit_code"]: e for e in run["enterprises"]}
    assert set(found) == set(CODES)
    for e in found.values():
        assert CONTRACT <= set(e)
        assert e["rule_version"] == run["rule_version"]
    large = [found[c] for c in CODES[:LARGE]]
    small = [found[c] for c in CODES[LARGE:]]
    assert [e["cohort"] for e in large] == ["large"] * LARGE
    assert {e["grade"] for e in large} == set("ABCD")
    # 20 large firms, 0.2/0.4/0.35/0.05: 4 A, 8 B, 7 C, 1 D
    assert run["summary"]["by_cohort"]["large"] == {"A": 4, "B": 8, "C": 7, "D": 1}
    assert all(e["completeness"] == 1.0 and e["missing"] == [] for e in large)
    assert {e["cohort_rated"] for e in large} == {LARGE}
    # the small firms rank among themselves on tax per mu alone
    assert sorted(e["rank"] for e in small) == list(range(1, SMALL + 1))
    assert all([c["indicator"] for c in e["components"]] == ["tax_wan_per_mu"] for e in small)
    # a grade explained: its score is the sum of its contributions, each at most the cap
    for e in large:
        assert e["score"] == pytest.approx(
            sum(c["contribution"] for c in e["components"]), abs=0.01
        )
        assert all(c["contribution"] <= c["most"] + 1e-9 for c in e["components"])
        assert all(c["benchmark_basis"] == "2 × mean of the year before" for c in e["components"])
    tax = next(c for c in large[0]["components"] if c["indicator"] == "tax_wan_per_mu")
    figures = large[0]["figures"]
    assert tax["value"] == pytest.approx(figures["tax_wan"][0] / large[0]["land_mu"], rel=1e-4)
    # the D firm's surcharge on its kWh; no water figure, no amount but a note
    (d,) = [e for e in large if e["grade"] == "D"]
    assert d["credit_code"] == CODES[0]
    by_id = {p["id"]: p for p in d["policies"]}
    power = by_id["electricity_surcharge"]
    assert power["amount_yuan"] == pytest.approx(d["figures"]["power_kwh"][0] * 0.10, abs=0.01)
    assert by_id["water_surcharge"]["amount_yuan"] is None
    assert "no water_t" in by_id["water_surcharge"]["note"]
    assert [p["id"] for e in large if e["grade"] == "B" for p in e["policies"]] == []
    # enterprises show: the grade history, the latest explained as the run did
    shown = json.loads(cli("enterprises", "show", d["credit_code"], "--json", db=url).stdout)
    assert [(g["year"], g["grade"], g["current"]) for g in shown["grades"]] == [(2025, "D", True)]
    assert shown["latest"]["components"] == d["components"]
    text = cli("--lang", "en", "enterprises", "show", d["credit_code"], db=url).stdout
    assert "2025: why D" in text and "electricity surcharge per kWh" in text


def test_the_same_data_run_twice_is_kept_once(cli, figured):
    url, _ = figured
    first = _evaluate(cli, url, "--year", "2025")
    again = _evaluate(cli, url, "--year", "2025")
    assert first["kept"] and not again["kept"] and again["unchanged"]
    assert again["evaluation_id"] == first["evaluation_id"]
    assert [e["grade"] for e in again["enterprises"]] == [e["grade"] for e in first["enterprises"]]
    runs = json.loads(cli("enterprises", "evaluations", "--json", db=url).stdout)
    assert [r["id"] for r in runs] == [first["evaluation_id"]]
    # the run read back explains each grade as the fresh one did, in the same order
    assert again["enterprises"] == first["enterprises"]
    assert _counts(url)["evaluation_grade"] == LARGE + SMALL
    shown = cli("evaluate", "--year", "2025", db=url)
    assert "not kept again" in shown.stdout


def _grades(run: dict) -> dict:
    return {e["credit_code"]: (e["grade"], e["score"], e["rank"]) for e in run["enterprises"]}


def test_a_past_year_is_reproduced_after_its_figures_were_imported_again(cli, figured, tmp_path):
    url, _ = figured
    first = _evaluate(cli, url, "--year", "2024")
    # the tax office sends 2024 again with other values
    tax = pd.read_csv(tmp_path / "tax_2024.csv")
    tax["税收（万元）"] = tax["税收（万元）"].to_numpy()[::-1]
    tax.to_csv(tmp_path / "tax_2024_again.csv", index=False)
    _import(cli, url, tmp_path / "tax_2024_again.csv", "tax", 2024)
    before = _counts(url)
    then = _evaluate(cli, url, "--year", "2024", "--as-at", first["data_as_at"])
    assert not then["kept"]
    assert _grades(then) == _grades(first)
    assert [v["file_name"] for v in then["vintages"]["year"]] == [
        v["file_name"] for v in first["vintages"]["year"]
    ]
    assert _counts(url) == before  # nothing kept by --as-at
    now = _evaluate(cli, url, "--year", "2024")
    assert now["kept"] and _grades(now) != _grades(first)
    assert "tax_2024_again.csv" in {v["file_name"] for v in now["vintages"]["year"]}
    runs = json.loads(cli("enterprises", "evaluations", "--year", "2024", "--json", db=url).stdout)
    assert [(r["id"], r["current"]) for r in runs] == [
        (now["evaluation_id"], True),
        (first["evaluation_id"], False),
    ]
    assert runs[1]["replaced_at"] is not None
    # the first run, kept, still shows its own grades
    shown = json.loads(cli("enterprises", "show", CODES[0], "--json", db=url).stdout)
    assert shown["credit_code"] == CODES[0]
    counts = _counts(url)
    assert counts["evaluation"] == 2 and counts["evaluation_grade"] == 2 * (LARGE + SMALL)


def test_a_clerk_of_one_district_may_not_keep_a_run_the_operator_may(cli, figured):
    url, _ = figured
    before = _counts(url)
    with pytest.raises(ForbiddenError, match="cover the whole city"):
        run_evaluation(store_of(url), 2025, by="clerk", districts=("薛城区",))
    assert _counts(url) == before
    # a look without keeping is no write
    looked = run_evaluation(store_of(url), 2025, districts=("薛城区",), keep=False)
    assert not looked["kept"] and _counts(url) == before
    kept = run_evaluation(store_of(url), 2025, by="operator")
    assert kept["kept"] and _counts(url)["evaluation"] == 1


BAD_PROFILES = [
    (
        "unknown indicator",
        "[evaluation.cohorts.large.weights]\ntax_per_hectare = 10\n",
        "[evaluation.cohorts.large.weights] tax_per_hectare: not an indicator; use one of",
    ),
    (
        "proportions",
        "[evaluation.cohorts.small]\nproportions = { A = 0.5, B = 0.4, C = 0.35, D = 0.05 }\n",
        "[evaluation.cohorts.small] proportions: the shares of A, B, C and D must add up to 1",
    ),
    (
        "basis",
        '[[evaluation.policies]]\ngrade = "D"\nid = "gas"\nbasis = "gas_m3"\nyuan_per_unit = 0.2\n',
        "[[evaluation.policies]] 1 basis = 'gas_m3': use a figure: tax_wan",
    ),
]


@pytest.mark.parametrize(
    "body, said", [b[1:] for b in BAD_PROFILES], ids=[b[0] for b in BAD_PROFILES]
)
def test_a_bad_profile_is_one_line_and_nothing_is_kept(cli, figured, tmp_path, body, said):
    url, _ = figured
    path = tmp_path / "city.toml"
    path.write_text(body, encoding="utf-8")
    before = _counts(url)
    line = _one_line_error(cli("evaluate", "--year", "2025", "--profile", path, db=url))
    assert f"profile {path}: {said}" in line
    assert _counts(url) == before


def test_a_year_in_the_future_or_without_figures_is_one_line(cli, figured):
    url, _ = figured
    before = _counts(url)
    future = dt.date.today().year + 1
    line = _one_line_error(cli("evaluate", "--year", str(future), db=url))
    assert f"--year {future}: a year in the future" in line
    line = _one_line_error(cli("evaluate", "--year", "2019", db=url))
    assert "no figures of 2019; import them first with landbank --db " in line
    assert line.endswith("import figures FILE --source tax --year 2019")
    line = _one_line_error(cli("evaluate", "--year", "2024", "--as-at", "yesterday", db=url))
    assert '--as-at "yesterday" is neither a date nor a moment' in line
    line = _one_line_error(cli("evaluate", "--year", "2024", "--as-at", "2001-01-01", db=url))
    assert "--as-at 2001-01-01 23:59:59: no figures of 2024 were imported by then" in line
    hint = line.rsplit("(", 1)[1].split(" lists")[0]  # landbank [--db URL] enterprises vintages
    assert cli(*hint.split()[1:]).exit_code == 0
    assert _counts(url) == before


def test_power_in_ten_thousand_kwh_under_a_header_without_unit_is_refused(cli, figured, tmp_path):
    url, _ = figured
    power = pd.DataFrame({CODE: CODES[:5], "用电量": [12.0, 300.0, 45.0, 80.0, 150.0]})
    power.to_csv(tmp_path / "power.csv", index=False)
    before = _counts(url)
    result = cli("import", "figures", tmp_path / "power.csv", "--source", "power", "--year",
                 "2025", db=url)  # fmt: skip
    line = _one_line_error(result)
    assert "power.csv, 用电量 (no unit): values look like 万千瓦时" in line
    assert _counts(url) == before


# --- the sample city: D firms and their parcels ---------------------------------------


def _categories(url) -> dict[str, tuple]:
    """Each current parcel's category, its reasons (en), holder's credit code and
    whether it is in production (operating, not stopped)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT code, category, category_reasons, holder_credit_code, operating_on, "
                "stopped_on FROM parcel WHERE NOT retired"
            )
        ).all()
    engine.dispose()
    return {
        code: (
            category,
            [r["text_en"] for r in json.loads(reasons or "[]")],
            holder,
            operating is not None and stopped is None,
        )
        for code, category, reasons, holder, operating, stopped in found
    }


def test_the_samples_d_firms_turn_their_operating_parcels_below_standard(cli, db_url):
    from tests.conftest import ROOT

    data = ROOT / "data"
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        result = cli("import", "parcels", data / "parcels" / name, "--upsert", "-q", db=db_url)
        assert result.exit_code == 0
    folder = data / "enterprises"
    assert cli("import", "enterprises", folder / "enterprises.xlsx", db=db_url).exit_code == 0
    assert cli("import", "leases", folder / "leases.xlsx", db=db_url).exit_code == 0
    for year in (2024, 2025):
        for source, suffix in (("tax", "xlsx"), ("power", "csv"), ("statistics", "xlsx"),
                               ("ecology", "csv"), ("energy", "xlsx")):  # fmt: skip
            _import(cli, db_url, folder / f"{source}_{year}.{suffix}", source, year)
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    before = _categories(db_url)
    run = _evaluate(cli, db_url, "--year", "2025")
    grades = {e["credit_code"]: e["grade"] for e in run["enterprises"]}
    d_firms = {c for c, g in grades.items() if g == "D"}
    assert d_firms
    assert cli("classify", "--as-of", "2026-06-30", db=db_url).exit_code == 0
    after = _categories(db_url)
    for code, (category, reasons, holder, producing) in after.items():
        mine = [r for r in reasons if "graded D in the per-mu evaluation of 2025" in r]
        if holder in d_firms and producing:
            assert mine == [f"its enterprise {holder} graded D in the per-mu evaluation of 2025"]
            # the flag holds in production whatever the category; an earlier one stays
            if before[code][0] in ("compliant", "operating_below_standard"):
                assert category == "operating_below_standard", code
            else:
                assert category == before[code][0], code
        else:
            assert not mine, code
        if grades.get(holder) is None:  # no grade: the parcel's own rules, as before
            assert (category, reasons) == before[code][:2], code


def test_a_d_firms_compliant_parcel_in_production_turns_below_standard(cli, figured):
    url, parcels = figured
    assert cli("classify", "--as-of", "2026-06-30", db=url).exit_code == 0
    before = _categories(url)
    mine = parcels[CODES[0]]
    assert before[mine][0] == "compliant" and before[mine][3]
    run = _evaluate(cli, url, "--year", "2025")
    grades = {e["credit_code"]: e["grade"] for e in run["enterprises"]}
    assert grades[CODES[0]] == "D"
    assert cli("classify", "--as-of", "2026-06-30", db=url).exit_code == 0
    after = _categories(url)
    assert after[mine][0] == "operating_below_standard"
    assert f"its enterprise {CODES[0]} graded D in the per-mu evaluation of 2025" in after[mine][1]
    shown = json.loads(cli("parcels", "show", mine, "--json", db=url).stdout)
    (zh,) = [r["text_zh"] for r in shown["reasons"] if CODES[0] in r["text_zh"]]
    assert zh.startswith("用地企业") and zh.endswith("2025年度亩均效益评价为D类")
    # the parcels of firms graded A to C keep their categories
    for firm, code in parcels.items():
        if firm != CODES[0] and grades[firm] in ("A", "B", "C"):
            assert after[code][:2] == before[code][:2], code
