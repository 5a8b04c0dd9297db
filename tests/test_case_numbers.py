"""Document numbers (文号): per kind and year from the profile's pattern, without gap or
repeat, also when two clerks issue at the same moment; an issue refused or rolled back
takes no number; on both engines."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from landbank.db.engine import make_engine
from landbank.db.store import Store
from landbank.errors import InputError
from landbank.services.cases import issue, numbers
from tests.helpers import store_of, write_vector

ON = dt.date(2026, 9, 1)
ROUNDS = 20


@pytest.fixture
def parcels(cli, db_url, small_city, tmp_path, monkeypatch):
    """``db_url`` holding the forty parcels of the small city; the zaozhuang profile."""
    monkeypatch.setenv("LANDBANK_PROFILE", "zaozhuang")
    path = write_vector(small_city, tmp_path / "city.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    return db_url, list(small_city["code"])


def _register(db: str) -> list[tuple]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, year, last_seq FROM doc_number_seq")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_two_clerks_issuing_at_the_same_moment_get_consecutive_numbers(parcels):
    db, codes = parcels
    halves = (codes[0 : 2 * ROUNDS : 2], codes[1 : 2 * ROUNDS : 2])
    start = threading.Barrier(2)
    got: dict[int, list[str]] = {0: [], 1: []}
    refused: dict[int, list[str]] = {0: [], 1: []}
    failures: list[BaseException] = []

    def clerk(i: int) -> None:
        store = Store.open(db)  # each clerk their own store, as two processes would be
        try:
            for n, code in enumerate(halves[i]):
                start.wait(timeout=60)
                got[i].append(issue(store, code, "investigation", f"clerk{i}", on=ON)["number"])
                if n % 5 == 0:  # a refused issue in between: a second live notice
                    try:
                        issue(store, code, "investigation", f"clerk{i}", on=ON)
                    except InputError as exc:
                        refused[i].append(str(exc))
        except BaseException as exc:  # the main thread says what went wrong
            failures.append(exc)
            start.abort()
        finally:
            store.close()

    threads = [threading.Thread(target=clerk, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not failures, failures
    assert all(len(r) == ROUNDS // 5 and "already has a live" in r[0] for r in refused.values())
    issued = got[0] + got[1]
    expected = [f"枣自然资闲调〔2026〕{n}号" for n in range(1, 2 * ROUNDS + 1)]
    assert sorted(issued, key=lambda x: int(x.split("〕")[1][:-1])) == expected
    # each clerk's own numbers rise
    for mine in got.values():
        seqs = [int(x.split("〕")[1][:-1]) for x in mine]
        assert seqs == sorted(seqs)
    listed = numbers(store_of(db), 2026, "investigation")
    assert [r["seq"] for r in listed] == list(range(1, 2 * ROUNDS + 1))
    assert _register(db) == [("investigation", 2026, 2 * ROUNDS)]


def test_an_issue_rolled_back_after_taking_its_number_gives_it_back(parcels, tmp_path):
    db, codes = parcels
    city = tmp_path / "city"
    (city / "templates").mkdir(parents=True)
    # the city's own investigation template is broken: the issue fails after its
    # number was taken, and rolls back
    (city / "templates" / "investigation.docx").write_bytes(b"not a word file")
    (city / "city.toml").write_text(
        'name = "city"\n[case]\ntemplates = "templates"\n'
        '[case.numbers]\ninvestigation = "某自然资闲调〔{year}〕{n}号"\n',
        encoding="utf-8",
    )
    store = store_of(db)
    first = issue(store, codes[0], "investigation", "王", on=ON)["number"]
    with pytest.raises(InputError, match="investigation.docx: cannot be filled"):
        issue(store, codes[1], "investigation", "王", on=ON, profile=str(city / "city.toml"))
    assert _register(db) == [("investigation", 2026, 1)]
    second = issue(store, codes[1], "investigation", "王", on=ON)["number"]
    assert (first, second) == ("枣自然资闲调〔2026〕1号", "枣自然资闲调〔2026〕2号")


def test_numbers_run_per_kind_and_year_from_the_profiles_pattern(parcels):
    db, codes = parcels
    store = store_of(db)
    made = [
        issue(store, codes[0], "investigation", "王", on=dt.date(2025, 12, 30))["number"],
        issue(store, codes[1], "investigation", "王", on=dt.date(2026, 1, 5))["number"],
        issue(store, codes[2], "investigation", "王", on=dt.date(2026, 1, 6))["number"],
    ]
    assert made == ["枣自然资闲调〔2025〕1号", "枣自然资闲调〔2026〕1号", "枣自然资闲调〔2026〕2号"]
    default = issue(store, codes[3], "investigation", "王", on=ON, profile="default")["number"]
    assert default == "自然资闲调〔2026〕3号"  # one register; the pattern is the profile's
    assert sorted(_register(db)) == [("investigation", 2025, 1), ("investigation", 2026, 3)]


def test_two_clerks_opening_a_case_on_one_parcel_at_once_open_one(parcels):
    db, codes = parcels
    start = threading.Barrier(2)
    outcomes: dict[str, list[str]] = {code: [] for code in codes[:5]}
    failures: list[BaseException] = []

    def clerk(i: int) -> None:
        store = Store.open(db)
        try:
            for code in outcomes:
                start.wait(timeout=60)
                try:
                    outcomes[code].append(
                        issue(store, code, "investigation", f"c{i}", on=ON)["number"]
                    )
                except InputError as exc:
                    outcomes[code].append(str(exc))
        except BaseException as exc:
            failures.append(exc)
            start.abort()
        finally:
            store.close()

    threads = [threading.Thread(target=clerk, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not failures, failures
    engine = make_engine(db)
    with engine.connect() as conn:
        opened = dict(
            conn.execute(
                text("SELECT parcel_code, count(*) FROM disposal GROUP BY parcel_code")
            ).all()
        )
    engine.dispose()
    for code, said in outcomes.items():
        issued = [s for s in said if s.startswith("枣自然资闲调")]
        assert len(issued) == 1 and "already has a live investigation" in str(said), said
        assert opened[code] == 1


@pytest.mark.parametrize(
    "line, said",
    [
        (
            '[case.numbers]\ninvestigation = "枣{city}〔{year}〕{n}号"',
            "[case.numbers] investigation = '枣{city}〔{year}〕{n}号': {city} is not known; only "
            "{year} and {n} are filled in",
        ),
        (
            '[case.numbers]\ninvestigation = "枣〔{year}〕{n}号}"',
            "[case.numbers] investigation = '枣〔{year}〕{n}号}': Single '}' encountered",
        ),
        (
            '[case]\nattachment_max_mb = "lots"',
            "[case] attachment_max_mb = 'lots': write a number of MB above 0, at most 1024",
        ),
        ("[case]\nattachment_max_mb = 0", "[case] attachment_max_mb = 0: write a number"),
        ("[case]\nattachment_max_mb = 4096", "[case] attachment_max_mb = 4096: write a number"),
    ],
    ids=["unknown placeholder", "lone brace", "mb not a number", "mb zero", "mb too large"],
)
def test_a_profile_the_case_cannot_use_is_refused_when_loaded_and_nothing_is_issued(
    cli, parcels, tmp_path, line, said
):
    db, codes = parcels
    profile = tmp_path / "city.toml"
    profile.write_text(f'name = "city"\n{line}\n', encoding="utf-8")
    result = cli(
        "case", "issue", codes[0], "investigation", "--on", "2026-09-01", "--by", "王",
        "--profile", profile, "--out-dir", tmp_path / "docs", db=db,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], result.stderr
    assert _register(db) == [] and not (tmp_path / "docs").exists()
