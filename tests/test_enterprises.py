"""Enterprises of the per-mu evaluation: credit codes, the register and the holder
match, leases and the land by the rule; the rules on tiny frames, the imports through
the commands on both engines."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from stdnum.cn import uscc

from landbank.db.engine import make_engine
from landbank.domain import credit_codes
from landbank.domain.enterprises import land_by_rule, lease_conflict
from landbank.errors import ForbiddenError
from landbank.services.enterprises import import_enterprises
from tests.helpers import store_of, write_vector

# codes whose check character is computed, never typed
A = credit_codes.with_check("91370402MA3C00001")
B = credit_codes.with_check("91370402MA3C00002")
C = credit_codes.with_check("91370403MA3C00003")
D = credit_codes.with_check("91370403MA3C00004")
HOLDERS = [
    "甲机械有限公司",
    "乙　电子 有限公司",
    "甲机械有限公司",
    "丙纺织有限公司",
    None,
    "丁化工有限公司",
]


def _wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# --- the rules ------------------------------------------------------------------------


def test_a_credit_code_with_a_wrong_check_character_names_the_expected_one():
    assert credit_codes.problem(A) is None
    bad = _wrong_check(A)
    assert credit_codes.problem(bad) == f"check character {bad[-1]}, expected {A[-1]}"
    assert "17 characters" in credit_codes.problem(A[:-1])
    assert credit_codes.problem("91370402MA3C0000IX").startswith("is not a credit code")


def test_a_credit_code_is_read_with_full_width_characters_and_spaces_folded():
    wide = "".join(chr(ord(c) + 0xFEE0) for c in A[:6]) + " " + A[6:].lower()
    assert credit_codes.normalise(wide) == A


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV", min_size=16, max_size=19),
        min_size=1,
        max_size=20,
    ),
    st.data(),
)
def test_the_check_of_a_whole_column_agrees_with_stdnum(drawn, data):
    # half of them made valid, so both answers are exercised
    codes = [
        credit_codes.with_check(c[:17])
        if len(c) >= 17 and set(c[:17]) <= set(uscc._alphabet) and data.draw(st.booleans())
        else c
        for c in drawn
    ]
    found = credit_codes.problems(pd.Series(codes, dtype=object))
    assert [f is None for f in found] == [uscc.is_valid(c) for c in codes]


def test_names_are_compared_with_width_and_spaces_folded():
    assert credit_codes.normalise_name("乙　电子 有限公司") == credit_codes.normalise_name(
        "乙电子有限公司"
    )
    assert credit_codes.normalise_name("甲（ABC）有限公司") == credit_codes.normalise_name(
        "甲(abc)有限公司"
    )
    assert credit_codes.normalise_name("甲公司") != credit_codes.normalise_name("甲股份公司")


def test_the_space_class_is_pythons_whitespace():
    # the names' and codes' column folds spell \s out (so pyarrow runs them): every
    # character Python calls whitespace, and no other
    space = re.compile(f"[{credit_codes.SPACE}]")
    differ = [i for i in range(0x110000) if bool(space.fullmatch(chr(i))) != chr(i).isspace()]
    assert differ == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="甲乙电子有限公司(（）)AaＡｂ１1 -\t\n\x0b\x85\xa0\u2003\u3000\u200b"),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_names_of_a_whole_column_are_folded_as_one_name_is(names):
    folded = credit_codes.normalise_names(pd.Series(names, dtype=object))
    assert folded.tolist() == [credit_codes.normalise_name(n) for n in names]


def _leases(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["lessor_code", "lessee_code", "parcel_code", "area_mu", "from_on", "to_on"]
    )
    for c in ("from_on", "to_on"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def test_land_by_rule_is_held_plus_rented_in_minus_rented_out():
    parcels = pd.DataFrame(
        {"code": ["p1", "p2", "p3"], "holder_credit_code": [A, A, B], "area_mu": [10.0, 20.0, 8.0]}
    )
    leases = _leases(
        (A, B, "p2", 5.0, "2025-01-01", "2025-12-31"),  # the whole year
        (A, C, "p1", None, "2025-01-01", "2025-07-02"),  # the whole parcel, half the year
        (B, C, "p3", 99.0, "2024-01-01", "2024-12-31"),  # another year: counts nothing
    )
    land = land_by_rule(parcels, leases, 2025).set_index("credit_code")
    half = 183 / 365
    assert land.loc[A, "held_mu"] == 30.0
    assert land.loc[A, "rented_out_mu"] == pytest.approx(5.0 + 10.0 * half)
    assert land.loc[A, "land_mu"] == pytest.approx(25.0 - 10.0 * half)
    assert land.loc[B, "land_mu"] == pytest.approx(8.0 + 5.0)
    assert land.loc[C, "land_mu"] == pytest.approx(10.0 * half)
    assert land.loc[C, "held_mu"] == 0.0


def test_a_lease_moves_at_most_the_parcel_and_land_never_goes_below_zero():
    parcels = pd.DataFrame({"code": ["p1"], "holder_credit_code": [A], "area_mu": [10.0]})
    leases = _leases((A, B, "p1", 10.5, "2025-01-01", "2025-12-31"))
    land = land_by_rule(parcels, leases, 2025).set_index("credit_code")
    assert land.loc[A, "land_mu"] == 0.0
    assert land.loc[B, "rented_in_mu"] == 10.0


def test_leases_running_at_once_must_fit_in_the_parcel():
    one_after_other = _leases(
        (A, B, "p", None, "2024-01-01", "2024-12-31"),
        (A, C, "p", None, "2025-01-01", "2025-12-31"),
    )
    assert lease_conflict(one_after_other, 10.0) is None
    halves = _leases(
        (A, B, "p", 5.0, "2024-01-01", "2025-12-31"),
        (A, C, "p", 5.0, "2024-06-01", "2025-12-31"),
    )
    assert lease_conflict(halves, 10.0) is None
    three = _leases(
        (A, B, "p", 4.0, "2024-01-01", "2025-12-31"),
        (A, C, "p", 4.0, "2024-06-01", "2025-12-31"),
        (A, D, "p", 4.0, "2025-03-01", "2025-04-30"),
    )
    assert lease_conflict(three, 10.0) == (2, [0, 1])
    same_day = _leases(
        (A, B, "p", None, "2024-01-01", "2024-12-31"),
        (A, C, "p", 1.0, "2024-12-31", "2025-12-31"),
    )
    assert lease_conflict(same_day, 10.0) == (1, [0])


# --- the register and the holders, on both engines ------------------------------------


@pytest.fixture
def city(cli, db_url, small_city, tmp_path):
    """Six parcels with known holders (one blank) in ``db_url``; returns (url, codes,
    {code: area_mu})."""
    frame = small_city.head(6).copy()
    frame["holder"] = HOLDERS
    path = write_vector(frame, tmp_path / "parcels.gpkg")
    result = cli("import", "parcels", path, "-q", db=db_url)
    assert result.exit_code == 0, result.stderr
    listed = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    areas = {p["code"]: p["area_mu"] for p in listed}
    return db_url, list(frame["code"]), areas


def _register(
    path, rows, headers=("统一社会信用代码", "企业名称", "企业规模", "行业代码", "行政区", "园区")
):
    frame = pd.DataFrame(rows, columns=list(headers[: len(rows[0])]))
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


REGISTER = [
    (A, "甲机械有限公司", "规上", "C3484", "薛城区", "薛城园"),
    (B, "乙电子有限公司", "规下", "3971", "薛城区", None),
    (C, "丁化工有限公司", "规模以上", "C2614", "滕州市", None),
]


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    tables = ["enterprise", "lease", "figure_vintage", "enterprise_figure", "parcel_event"]
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        counts["linked"] = conn.execute(
            text("SELECT count(*) FROM parcel WHERE holder_credit_code IS NOT NULL")
        ).scalar()
    engine.dispose()
    return counts


def test_import_enterprises_stores_the_register_and_upserts_by_code(cli, city, tmp_path):
    url, codes, _ = city
    path = _register(tmp_path / "企业.xlsx", REGISTER)
    result = cli("import", "enterprises", path, "--json", db=url)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (3, 0, 0)
    shown = json.loads(cli("enterprises", "show", A, "--json", db=url).stdout)
    assert shown["name"] == "甲机械有限公司"
    assert (shown["cohort"], shown["cohort_zh"], shown["industry"]) == ("large", "规上", "C3484")
    assert (shown["district"], shown["park"]) == ("薛城区", "薛城园")
    changed = [(B, "乙电子有限公司", "规上", "3971", "薛城区", None), *REGISTER[::2]]
    again = json.loads(
        cli(
            "import", "enterprises", _register(tmp_path / "b.csv", changed), "--json", db=url
        ).stdout
    )
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 1, 2)
    shown = json.loads(cli("enterprises", "show", B, "--json", db=url).stdout)
    assert shown["cohort"] == "large"


def test_holders_are_matched_by_folded_name_and_the_rest_reported(cli, city, tmp_path):
    url, codes, _ = city
    path = _register(tmp_path / "企业.xlsx", REGISTER)
    summary = json.loads(cli("import", "enterprises", path, "--json", db=url).stdout)
    holders = summary["holders"]
    # 甲 twice, 乙 written with a full-width space, 丁: four linked; 丙 listed; one blank
    assert holders["linked_now"] == 4
    assert holders["unmatched"] == [{"holder": "丙纺织有限公司", "parcels": [codes[3]]}]
    assert holders["without_holder"] == 1
    linked = {
        c: json.loads(cli("parcels", "show", c, "--json", db=url).stdout)["holder_credit_code"]
        for c in codes
    }
    assert linked == {codes[0]: A, codes[1]: B, codes[2]: A, codes[3]: None, codes[4]: None,
                      codes[5]: C}  # fmt: skip
    history = json.loads(cli("parcels", "history", codes[1], "--json", db=url).stdout)
    assert [h["new_value"] for h in history if h["field"] == "holder_credit_code"] == [B]
    shown = json.loads(cli("enterprises", "show", A, "--json", db=url).stdout)
    assert [p["code"] for p in shown["parcels"]] == sorted([codes[0], codes[2]])
    # a second import links nothing again and keeps listing what did not match
    again = json.loads(cli("import", "enterprises", path, "--json", db=url).stdout)["holders"]
    assert (again["linked_now"], again["already_linked"], again["unmatched_count"]) == (0, 4, 1)


def test_match_holders_links_new_holders_and_follows_a_transfer(cli, city, tmp_path):
    url, codes, _ = city
    assert (
        cli("import", "enterprises", _register(tmp_path / "r.xlsx", REGISTER), db=url).exit_code
        == 0
    )
    fields = ["holder=乙电子有限公司", "--by", "王", "--reason", "补录"]
    edit = cli("parcels", "set", codes[4], *fields, db=url)
    assert edit.exit_code == 0, edit.stderr
    # the land of codes[0] passes from 甲 to 丁; codes[2]'s holder is written anew
    fields = ["holder=丁化工有限公司", "--by", "王", "--reason", "转让"]
    assert cli("parcels", "set", codes[0], *fields, db=url).exit_code == 0
    fields = ["holder=甲机械（集团）有限公司", "--by", "王", "--reason", "更名"]
    assert cli("parcels", "set", codes[2], *fields, db=url).exit_code == 0
    found = json.loads(cli("enterprises", "match-holders", "--json", db=url).stdout)
    assert (found["linked_now"], found["relinked"], found["without_holder"]) == (1, 1, 0)
    assert found["linked_name_differs"] == [
        {"parcel": codes[2], "holder": "甲机械（集团）有限公司", "credit_code": A,
         "name_registered": "甲机械有限公司"}
    ]  # fmt: skip
    linked = {
        c: json.loads(cli("parcels", "show", c, "--json", db=url).stdout)["holder_credit_code"]
        for c in (codes[0], codes[2], codes[4])
    }
    assert linked == {codes[0]: C, codes[2]: A, codes[4]: B}
    history = json.loads(cli("parcels", "history", codes[0], "--json", db=url).stdout)
    moves = [
        (h["old_value"], h["new_value"]) for h in history if h["field"] == "holder_credit_code"
    ]
    assert moves == [(None, A), (A, C)]


def test_the_pieces_of_a_split_parcel_keep_its_holders_credit_code(cli, city, tmp_path):
    url, codes, areas = city
    assert (
        cli("import", "enterprises", _register(tmp_path / "r.xlsx", REGISTER), db=url).exit_code
        == 0
    )
    split = cli("parcels", "split", codes[0], "--area-mu", str(round(areas[codes[0]] / 2, 2)),
                "--by", "王", "--reason", "分割转让", db=url)  # fmt: skip
    assert split.exit_code == 0, split.stderr
    for piece in (f"{codes[0]}-1", f"{codes[0]}-2"):
        shown = json.loads(cli("parcels", "show", piece, "--json", db=url).stdout)
        assert shown["holder_credit_code"] == A


def test_a_name_two_enterprises_share_is_reported_and_not_linked(cli, city, tmp_path):
    url, codes, _ = city
    rows = [*REGISTER, (D, "甲机械 有限公司", "规下", None, None, None)]
    result = cli("import", "enterprises", _register(tmp_path / "r.xlsx", rows), "--json", db=url)
    holders = json.loads(result.stdout)["holders"]
    assert holders["ambiguous"] == [{"name": "甲机械有限公司", "credit_codes": sorted([A, D])}]
    assert holders["linked_now"] == 2  # 乙 and 丁 only
    assert sorted(u["holder"] for u in holders["unmatched"]) == ["丙纺织有限公司", "甲机械有限公司"]


def test_a_clerk_of_another_district_may_not_import_an_enterprise(city, tmp_path):
    url, _, _ = city
    before = _counts(url)
    path = _register(tmp_path / "r.xlsx", REGISTER)
    with pytest.raises(ForbiddenError, match="enterprise .* lies in 滕州市"):
        import_enterprises(store_of(url), path, districts=("薛城区",))
    assert _counts(url) == before


BAD_REGISTERS = [
    (
        "check character",
        [(_wrong_check(A), "甲", "规上"), (B, "乙", "规下"), (_wrong_check(C), "丁", "规上")],
        f'row 2, credit_code (统一社会信用代码): "{_wrong_check(A)}" check character '
        f"{_wrong_check(A)[-1]}, expected {A[-1]} (row 4 too)",
    ),
    (
        "a code twice",
        [(A, "甲", "规上"), (A, "甲二", "规上")],
        f"row 3, credit_code (统一社会信用代码): {A} is on row 2 too",
    ),
    (
        "cohort",
        [(A, "甲", "大型")],
        'row 2, cohort (企业规模): "大型" is not known; write 规上 (large) or 规下',
    ),
    ("no name", [(A, None, "规上")], "row 2, name (企业名称): empty"),
    ("industry", [(A, "甲", "规上", "机械")], 'row 2, industry (行业代码): "机械" is not a code'),
]


@pytest.mark.parametrize(
    "rows, said", [b[1:] for b in BAD_REGISTERS], ids=[b[0] for b in BAD_REGISTERS]
)
def test_a_bad_register_is_refused_naming_file_row_and_field(cli, city, tmp_path, rows, said):
    url, _, _ = city
    before = _counts(url)
    result = cli("import", "enterprises", _register(tmp_path / "r.xlsx", rows), db=url)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: r.xlsx "), result.stderr
    assert said in lines[0]
    assert _counts(url) == before


# --- leases, on both engines ----------------------------------------------------------

LEASE_HEADERS = [
    "出租方信用代码",
    "承租方信用代码",
    "地块编号",
    "租赁面积(亩)",
    "起租日期",
    "到期日期",
]


def _lease_file(path, rows):
    frame = pd.DataFrame(rows, columns=LEASE_HEADERS)
    frame.to_excel(path, index=False)
    return path


@pytest.fixture
def registered(cli, city, tmp_path):
    url, codes, areas = city
    path = _register(tmp_path / "企业.xlsx", REGISTER)
    assert cli("import", "enterprises", path, db=url).exit_code == 0
    return url, codes, areas


def test_leases_are_stored_and_shown_in_and_out(cli, registered, tmp_path):
    url, codes, areas = registered
    rows = [
        (A, B, codes[0], 4.0, "2025-01-01", "2025-12-31"),
        (C, A, codes[5], None, "2025-01-01", "2026-12-31"),
    ]
    result = cli("import", "leases", _lease_file(tmp_path / "租赁.xlsx", rows), "--json", db=url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 2
    shown = json.loads(cli("enterprises", "show", A, "--json", db=url).stdout)
    assert [(x["parcel_code"], x["area_mu"]) for x in shown["leases"]["rented_out"]] == [
        (codes[0], 4.0)
    ]
    assert [(x["parcel_code"], x["area_mu"]) for x in shown["leases"]["rented_in"]] == [
        (codes[5], None)
    ]
    assert shown["leases"]["rented_in"][0]["to_on"] == "2026-12-31"


def test_a_lease_imported_again_with_other_terms_replaces_the_stored_one(cli, registered, tmp_path):
    url, codes, _ = registered
    first = [(A, B, codes[0], 4.0, "2025-01-01", "2025-12-31")]
    assert cli("import", "leases", _lease_file(tmp_path / "a.xlsx", first), db=url).exit_code == 0
    same = json.loads(
        cli("import", "leases", _lease_file(tmp_path / "b.xlsx", first), "--json", db=url).stdout
    )
    assert (same["inserted"], same["replaced"], same["unchanged"]) == (0, 0, 1)
    longer = [(A, B, codes[0], 4.0, "2025-01-01", "2026-06-30")]
    again = json.loads(
        cli("import", "leases", _lease_file(tmp_path / "c.xlsx", longer), "--json", db=url).stdout
    )
    assert (again["inserted"], again["replaced"]) == (0, 1)
    shown = json.loads(cli("enterprises", "show", B, "--json", db=url).stdout)
    assert [x["to_on"] for x in shown["leases"]["rented_in"]] == ["2026-06-30"]
    assert _counts(url)["lease"] == 2  # the replaced row is kept


def _bad_leases(codes, areas):
    whole = areas[codes[0]]
    return [
        (
            "area beyond the parcel",
            [(A, B, codes[0], round(whole * 1.5, 2), "2025-01-01", "2025-12-31")],
            f"row 2, area_mu: {round(whole * 1.5, 2):g} mu is more than parcel {codes[0]} has",
        ),
        (
            "overlapping leases",
            [
                (A, B, codes[0], None, "2025-01-01", "2025-12-31"),
                (A, C, codes[0], 1.0, "2025-06-01", "2026-05-31"),
            ],
            f"row 3, from_on: the lease of parcel {codes[0]} 2025-06-01–2026-05-31 (1.00 mu) "
            "overlaps row 2 2025-01-01–2025-12-31 (whole parcel)",
        ),
        (
            "unknown parcel",
            [(A, B, "NO-SUCH", 1.0, "2025-01-01", "2025-12-31")],
            "row 2, parcel_code: NO-SUCH is not a parcel of the database",
        ),
        (
            "from after to",
            [(A, B, codes[0], 1.0, "2025-06-01", "2025-01-01")],
            "row 2, from_on: 2025-06-01 is after to_on 2025-01-01",
        ),
        (
            "check character",
            [(A, _wrong_check(B), codes[0], 1.0, "2025-01-01", "2025-12-31")],
            f'row 2, lessee_code (承租方信用代码): "{_wrong_check(B)}" check character',
        ),
        (
            "lessor is lessee",
            [(A, A, codes[0], 1.0, "2025-01-01", "2025-12-31")],
            "row 2, lessee_code: the same enterprise as the lessor",
        ),
        (
            "negative area",
            [(A, B, codes[0], -1.0, "2025-01-01", "2025-12-31")],
            'row 2, area_mu (租赁面积(亩)): "-1" is below 0',
        ),
    ]


BAD_LEASE_IDS = ["area", "overlap", "parcel", "dates", "check", "self", "negative"]


@pytest.mark.parametrize("case", range(len(BAD_LEASE_IDS)), ids=BAD_LEASE_IDS)
def test_a_bad_lease_is_refused_naming_file_row_and_field(cli, registered, tmp_path, case):
    url, codes, areas = registered
    _, rows, said = _bad_leases(codes, areas)[case]
    before = _counts(url)
    result = cli("import", "leases", _lease_file(tmp_path / "租赁.xlsx", rows), db=url)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: 租赁.xlsx "), result.stderr
    assert said in lines[0]
    assert _counts(url) == before


def test_a_new_lease_overlapping_a_stored_one_beyond_the_parcel_is_refused(
    cli, registered, tmp_path
):
    url, codes, _ = registered
    stored = [(A, B, codes[0], None, "2025-01-01", "2025-12-31")]
    assert cli("import", "leases", _lease_file(tmp_path / "a.xlsx", stored), db=url).exit_code == 0
    later = [(A, C, codes[0], 2.0, "2025-12-01", "2026-12-31")]
    result = cli("import", "leases", _lease_file(tmp_path / "b.xlsx", later), db=url)
    assert result.exit_code == 1
    assert "overlaps stored lease #" in result.stderr and "(a.xlsx row 2)" in result.stderr
    after = [(A, C, codes[0], 2.0, "2026-01-01", "2026-12-31")]
    assert cli("import", "leases", _lease_file(tmp_path / "c.xlsx", after), db=url).exit_code == 0


def test_land_by_year_in_enterprises_show_follows_the_leases(cli, registered, tmp_path):
    url, codes, areas = registered
    rows = [(A, B, codes[0], 4.0, "2025-01-01", "2025-12-31")]
    assert cli("import", "leases", _lease_file(tmp_path / "a.xlsx", rows), db=url).exit_code == 0
    tax = pd.DataFrame({"统一社会信用代码": [A, B], "税收（万元）": [100.0, 10.0]})
    tax.to_csv(tmp_path / "tax.csv", index=False)
    assert (
        cli("import", "figures", tmp_path / "tax.csv", "--source", "tax", "--year", "2025",
            db=url).exit_code == 0
    )  # fmt: skip
    land = json.loads(cli("enterprises", "show", A, "--json", db=url).stdout)["land_by_year"]
    held = areas[codes[0]] + areas[codes[2]]
    assert land[0]["year"] == 2025
    assert land[0]["held_mu"] == pytest.approx(held, abs=1e-3)
    assert land[0]["land_mu"] == pytest.approx(held - 4.0, abs=1e-3)


def test_enterprises_show_refuses_a_bad_code_and_an_unknown_one(cli, registered):
    url, _, _ = registered
    bad = cli("enterprises", "show", _wrong_check(A), db=url)
    assert bad.exit_code == 1 and f"expected {A[-1]}" in bad.stderr
    unknown = cli("enterprises", "show", D, db=url)
    assert unknown.exit_code == 1 and "not in the register" in unknown.stderr


def test_the_sample_register_links_the_sample_holders(cli, db_url):
    from tests.conftest import ROOT

    data = ROOT / "data"
    for name in ("zaozhuang_parcels.gpkg", "zaozhuang_ledger.xlsx"):
        result = cli("import", "parcels", data / "parcels" / name, "--upsert", "-q", db=db_url)
        assert result.exit_code == 0
    summary = json.loads(
        cli("import", "enterprises", data / "enterprises" / "enterprises.xlsx", "--json",
            db=db_url).stdout
    )  # fmt: skip
    holders = summary["holders"]
    assert summary["inserted"] == 270
    # three holders are left out of the sample register on purpose; one name with a space
    assert len(holders["unmatched"]) == 3 and holders["linked_now"] > 300
    leases = cli("import", "leases", data / "enterprises" / "leases.xlsx", "--json", db=db_url)
    assert leases.exit_code == 0, leases.stderr
    assert json.loads(leases.stdout)["inserted"] == 5
