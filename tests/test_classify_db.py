"""Classification, evaluation and parcel updates through the database, on both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from landbank.domain.categories import CATEGORIES
from tests.conftest import ROOT
from tests.helpers import table_counts

SAMPLE = ROOT / "data"


@pytest.fixture
def city(cli, db_url):
    """The sample city loaded (layer, ledger, figures), not yet classified."""
    for path in ("parcels/zaozhuang_parcels.gpkg", "parcels/zaozhuang_ledger.xlsx"):
        result = cli(
            "import", "parcels", SAMPLE / path, "--upsert", "--profile", "zaozhuang", db=db_url
        )
        assert result.exit_code == 0, result.stderr
    result = cli(
        "import", "performance", SAMPLE / "performance/zaozhuang_performance_2025.xlsx", db=db_url
    )
    assert result.exit_code == 0, result.stderr
    return db_url


def _json(cli, *args, db):
    result = cli(*args, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_classify_reports_all_six_categories_and_writes_each_change_to_history(cli, city):
    got = _json(cli, "classify", "--as-of", "2026-06-30", "--profile", "zaozhuang", db=city)
    assert set(got["by_category"]) == set(CATEGORIES)
    assert got["as_of"] == "2026-06-30" and got["profile"] == "zaozhuang"
    assert sum(v["count"] for v in got["by_category"].values()) == 400
    assert all(v["count"] > 0 for v in got["by_category"].values())
    assert got["changed"] == 400
    counts = table_counts(city)
    again = _json(cli, "classify", "--as-of", "2026-06-30", "--profile", "zaozhuang", db=city)
    assert again["changed"] == 0 and table_counts(city)["parcel_event"] == counts["parcel_event"]
    listed = _json(cli, "parcels", "list", "--category", "supplied_not_used", db=city)
    assert len(listed) == got["by_category"]["supplied_not_used"]["count"]


def test_show_gives_flags_and_reasons(cli, city):
    _json(cli, "classify", "--as-of", "2026-06-30", db=city)
    idle = next(
        p
        for p in _json(cli, "parcels", "list", "--category", "supplied_not_used", db=city)
        if "idle_land" in _json(cli, "parcels", "show", p["code"], db=city)["flags"]
    )
    shown = _json(cli, "parcels", "show", idle["code"], db=city)
    assert any(
        r["rule"] == "idle_land" and "months overdue: idle land" in r["text_en"]
        for r in shown["reasons"]
    )
    assert shown["classified_as_of"] == "2026-06-30"


def test_a_later_as_of_date_moves_parcels_into_idle_land(cli, city):
    def idle(as_of):
        _json(cli, "classify", "--as-of", as_of, db=city)
        codes = [
            p["code"]
            for p in _json(cli, "parcels", "list", "--category", "supplied_not_used", db=city)
        ]
        return {
            c for c in codes if "idle_land" in _json(cli, "parcels", "show", c, db=city)["flags"]
        }

    early, late = idle("2025-06-30"), idle("2026-06-30")
    assert early < late  # every parcel idle a year ago is idle still, and more are


def test_set_updates_reclassifies_and_keeps_history(cli, city):
    _json(cli, "classify", "--as-of", "2026-06-30", db=city)
    code = _json(cli, "parcels", "list", "--category", "supplied_not_used", db=city)[0]["code"]
    before = _json(cli, "parcels", "show", code, db=city)
    result = _json(
        cli,
        "parcels",
        "set",
        code,
        "started_on=2026-03-01",
        "developed_area_mu=5",
        "--by",
        "李明",
        "--reason",
        "现场核实",
        "--expect-version",
        str(before["version"]),
        db=city,
    )
    assert result["version"] == before["version"] + 1
    assert set(result["changed"]) >= {"started_on", "developed_area_mu", "category"}
    after = _json(cli, "parcels", "show", code, db=city)
    assert after["started_on"] == "2026-03-01" and after["category"] != "supplied_not_used"
    events = _json(cli, "parcels", "history", code, db=city)
    mine = [e for e in events if e["by"] == "李明"]
    assert {e["field"] for e in mine} == set(result["changed"])
    assert all(e["reason"] == "现场核实" for e in mine)
    started = next(e for e in mine if e["field"] == "started_on")
    assert (started["old_value"], started["new_value"]) == (None, "2026-03-01")


def test_a_descriptive_edit_keeps_the_category_as_classified(cli, city):
    # as of a later day this parcel would move on; a new holder must not move it
    _json(cli, "classify", "--as-of", "2020-01-01", db=city)
    code = _json(cli, "parcels", "list", "--category", "approved_not_supplied", db=city)[0]["code"]
    before = _json(cli, "parcels", "show", code, db=city)
    edit = ["holder=某储备中心", "name=新名称", "--by", "李明", "--reason", "更正"]
    version = ["--expect-version", str(before["version"])]
    result = _json(cli, "parcels", "set", code, *edit, *version, db=city)
    assert result == {
        "code": code,
        "version": before["version"] + 1,
        "changed": ["holder", "name"],
        "category": before["category"],
    }
    after = _json(cli, "parcels", "show", code, db=city)
    assert (after["holder"], after["name"]) == ("某储备中心", "新名称")
    assert after["classified_as_of"] == before["classified_as_of"]
    mine = [e for e in _json(cli, "parcels", "history", code, db=city) if e["by"] == "李明"]
    assert [(e["field"], e["old_value"], e["new_value"]) for e in mine] == [
        ("holder", before["holder"], "某储备中心"),
        ("name", before["name"], "新名称"),
    ]
    same = _json(cli, "parcels", "set", code, *edit, db=city)
    assert same["changed"] == [] and same["version"] == before["version"] + 1


def test_a_stale_expected_version_is_refused_and_nothing_written(cli, city):
    code = "370402-01-000001"
    version = _json(cli, "parcels", "show", code, db=city)["version"]
    before = table_counts(city)
    result = cli(
        "parcels",
        "set",
        code,
        "holder=某公司",
        "--by",
        "a",
        "--reason",
        "r",
        "--expect-version",
        str(version - 1),
        db=city,
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: conflict: parcel {code} is at version {version}, "
        f"you expected {version - 1}; nothing was written"
    )
    assert table_counts(city) == before


def test_a_manual_override_needs_a_reason_and_shows_everywhere(cli, city):
    _json(cli, "classify", "--as-of", "2026-06-30", db=city)
    code = _json(cli, "parcels", "list", "--category", "compliant", db=city)[0]["code"]
    result = cli("parcels", "set", code, "category=idle", "--by", "王局", "--reason", "x", db=city)
    assert result.exit_code == 1 and "use one of" in result.stderr
    assert (
        cli(
            "parcels", "set", code, "category=built_not_operating", "--by", "王局", db=city
        ).exit_code
        == 2
    )  # --reason is required
    _json(
        cli,
        "parcels",
        "set",
        code,
        "category=built_not_operating",
        "--by",
        "王局",
        "--reason",
        "局务会认定",
        db=city,
    )
    shown = _json(cli, "parcels", "show", code, db=city)
    assert shown["category"] == "built_not_operating" and shown["category_is_override"]
    assert (
        shown["reasons"][0]["rule"] == "override" and "局务会认定" in shown["reasons"][0]["text_zh"]
    )
    _json(cli, "classify", "--as-of", "2026-06-30", db=city)  # the override survives
    assert _json(cli, "parcels", "show", code, db=city)["category"] == "built_not_operating"
    listed = _json(cli, "parcels", "list", "--category", "built_not_operating", db=city)
    assert code in {p["code"] for p in listed}
    _json(cli, "parcels", "set", code, "category=none", "--by", "王局", "--reason", "撤销", db=city)
    assert _json(cli, "parcels", "show", code, db=city)["category"] == "compliant"


def test_show_as_of_replays_the_history(cli, city):
    import datetime as dt
    import time

    code = "370402-01-000001"
    old_holder = _json(cli, "parcels", "show", code, db=city)["holder"]
    time.sleep(1.1)
    then = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    time.sleep(1.1)
    _json(cli, "parcels", "set", code, "holder=新公司", "--by", "a", "--reason", "变更", db=city)
    assert _json(cli, "parcels", "show", code, db=city)["holder"] == "新公司"
    past = _json(cli, "parcels", "show", code, "--as-of", then, db=city)
    assert past["holder"] == old_holder
    result = cli("parcels", "show", code, "--as-of", "2000-01-01", db=city)
    assert result.exit_code == 1 and "did not exist yet" in result.stderr


def test_evaluate_grades_and_lists_parcels_below_standard(cli, city):
    got = _json(cli, "evaluate", "--year", "2025", db=city)
    assert got["rated"] == 226 and sum(got["grades"].values()) == 226
    assert got["grades"]["A"] > 0 and got["grades"]["T"] > 0
    below = [p for p in got["parcels"] if p["below_standard"]]
    assert below and all(p["reasons"] for p in below)
    result = cli("evaluate", "--year", "2019", db=city)
    assert result.exit_code == 1 and "years with figures: 2025" in result.stderr


@pytest.mark.parametrize(
    "content, words",
    [
        ("地块编号,年度,税收\nNOPE-1,2025,3\n", "not in the database"),
        ("地块编号,年度,税收\n370402-01-000001,20x5,3\n", "row 2, year"),
        ("地块编号,年度,税收\n370402-01-000001,2025,3万\n", "row 2, tax_wan"),
        ("年度,税收\n2025,3\n", "no code column"),
    ],
)
def test_bad_performance_files_are_one_line_and_change_nothing(cli, city, tmp_path, content, words):
    path = tmp_path / "perf.csv"
    path.write_text(content, encoding="utf-8")
    before = table_counts(city)
    result = cli("import", "performance", path, db=city)
    assert result.exit_code == 1 and words in result.stderr
    assert result.stderr.count("\n") == 1 and "perf.csv" in result.stderr
    assert table_counts(city) == before


def test_two_processes_with_the_same_expected_version_one_wins(db_url, cli, city):
    """Two clerks save the same parcel at once: exactly one wins, the other is told."""
    if db_url.startswith("sqlite"):
        pytest.skip("the race is a PostGIS matter; SQLite lets one writer at a time")
    code = "370402-01-000001"
    version = _json(cli, "parcels", "show", code, db=db_url)["version"]
    exe = str(Path(sys.executable).with_name("landbank"))
    procs = [
        subprocess.Popen(
            [
                exe,
                "--db",
                db_url,
                "parcels",
                "set",
                code,
                f"holder=公司{i}",
                "--by",
                f"clerk{i}",
                "--reason",
                "race",
                "--expect-version",
                str(version),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 1], results
    loser = next(err for rc, err in results if rc == 1)
    assert f"conflict: parcel {code} is at version {version + 1}, you expected {version}" in loser
    shown = _json(cli, "parcels", "show", code, db=db_url)
    assert shown["version"] == version + 1
    events = [e for e in _json(cli, "parcels", "history", code, db=db_url) if e["reason"] == "race"]
    assert len({e["by"] for e in events}) == 1  # the winner's events, no loser's
    assert shown["holder"] == f"公司{events[0]['by'][-1]}"


def test_graded_d_parcels_are_flagged_below_standard_by_classify(cli, city):
    graded = _json(cli, "evaluate", "--year", "2025", db=city)
    d = [p["code"] for p in graded["parcels"] if p["grade"] == "D"]
    assert d
    _json(cli, "classify", "--as-of", "2026-06-30", db=city)
    for code in d:
        shown = _json(cli, "parcels", "show", code, db=city)
        assert "below_standard" in shown["flags"]
        assert any("graded D" in r["text_en"] for r in shown["reasons"])


def test_history_keeps_numbers_as_plain_text_and_land_use_brings_its_class(cli, city):
    code = "370402-01-000001"
    _json(
        cli,
        "parcels",
        "set",
        code,
        "land_price_wan=29.38",
        "land_use=1101",
        "--by",
        "a",
        "--reason",
        "r",
        db=city,
    )
    events = {
        e["field"]: e for e in _json(cli, "parcels", "history", code, db=city) if e["by"] == "a"
    }
    assert events["land_price_wan"]["new_value"] == "29.38"
    assert _json(cli, "parcels", "show", code, db=city)["land_use_class"] == "logistics"
    assert events["land_use_class"]["new_value"] == "logistics"


def test_lists_mark_an_override(cli, city):
    code = "370402-01-000001"
    _json(cli, "parcels", "set", code, "category=compliant", "--by", "a", "--reason", "r", db=city)
    listed = {p["code"]: p for p in _json(cli, "parcels", "list", db=city)}
    assert listed[code]["category_is_override"]
    assert not listed["370402-01-000002"]["category_is_override"]


@pytest.mark.parametrize(
    "toml, words",
    [
        ('[rules]\nidle_after_years = "x"\n', "idle_after_years"),
        ("[rules]\nidle_fee_share = 2\n", "a share lies between 0 and 1"),
        ("[rules]\nidle_after_yeers = 1\n", "not a rule setting"),
        ("[rules]\nbuilt_not_operating_months = 1.5\n", "whole number"),
        ('[standard]\ntax_wan_per_mu = "abc"\n', "tax_wan_per_mu"),
        ("[grading.proportions]\nA = 0.5\nB = 0.5\nC = 0.5\nD = 0.5\n", "add up to 1"),
    ],
)
def test_bad_profile_values_are_one_line(cli, city, tmp_path, toml, words):
    path = tmp_path / "city.toml"
    path.write_text(toml, encoding="utf-8")
    before = table_counts(city)
    result = cli("classify", "--profile", path, db=city)
    assert result.exit_code == 1 and words in result.stderr
    assert result.stderr.count("\n") == 1
    assert table_counts(city) == before


def test_bad_as_of_and_an_absurd_head_count_are_one_line(cli, city, tmp_path):
    result = cli("classify", "--as-of", "2026-02-30", db=city)
    assert result.exit_code == 1 and "--as-of" in result.stderr
    path = tmp_path / "perf.csv"
    path.write_text("地块编号,年度,从业人数\n370402-01-000001,2025,1e30\n", encoding="utf-8")
    result = cli("import", "performance", path, db=city)
    assert result.exit_code == 1 and "row 2, employees" in result.stderr
