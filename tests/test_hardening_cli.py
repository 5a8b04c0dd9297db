"""Issue 15 (hardening), the CLI's part: every hint runs as written; no command but
``init`` and ``demo`` creates a database; output files honour the umask; ``demo``
writes under the working directory; ``--field NAME=`` and ``--default NAME=VALUE``."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from landbank.cli.shell import _command_names
from tests.conftest import ROOT, _pg_admin_dsn, _postgis_available
from tests.helpers import write_vector

DATA = ROOT / "data"
URL = r"(?:'[^']*'|\S+)"  # a --db value, shell-quoted where it needs to be
PLACEHOLDERS = {
    "FILE.toml": str(DATA / "projects" / "new_energy_equipment.toml"),
    "METHOD": "start_construction",
    "NAME": "tester",
    "KIND": "mortgage",
}


def hints(message: str) -> list[str]:
    """The ``landbank COMMAND ...`` command lines in ``message``: each runs from
    ``landbank`` to the end of its clause (``;``, ``,``, ``)``, `` or ``, `` && ``)."""
    names = "|".join(sorted(map(re.escape, _command_names()), key=len, reverse=True))
    found = []
    start = re.compile(rf"\blandbank (?=(?:--db {URL} )?(?:{names})\b)")
    for m in start.finditer(message):
        rest = message[m.start() :]
        end = re.search(r"\)|[;,](?:\s|$)| or | && |\n|$", rest)
        found.append(rest[: end.start()].strip())
    return found


def run_hint(cli, hint: str, **values: str):
    """Runs one hint through the CLI (the placeholders filled in) and returns the
    result; a usage error (exit 2) fails the test."""
    words = shlex.split(hint)
    assert words[0] == "landbank"
    words = [values.get(w, PLACEHOLDERS.get(w, w)) for w in words[1:]]
    result = cli(*words)
    assert result.exit_code != 2, f"hint {hint!r} is a usage error: {result.stderr}"
    return result


def the_hint(message: str, starts: str) -> str:
    """The one hint in ``message`` whose command (after any --db URL) starts so."""
    for h in hints(message):
        if re.sub(rf"^landbank (--db {URL} )?", "", h).startswith(starts):
            return h
    raise AssertionError(f"no hint 'landbank {starts}...' in {message!r}")


# -- no silent database creation; the init hint --------------------------------------


COMMANDS = [
    ("parcels", "list"),
    ("classify",),
    ("map", "--out", "m.html"),
    ("export", "x.gpkg"),
    ("users", "list"),
    ("serve",),
    ("reservations",),
    ("projects", "list"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_mistyped_sqlite_path_creates_nothing(cli, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo" / "landbnak.sqlite"
    missing.parent.mkdir()
    result = cli(*args, db=f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"database file {missing} does not exist" in result.stderr
    assert not missing.exists()
    assert list(missing.parent.iterdir()) == []


def test_a_mistyped_import_creates_nothing_and_the_hint_creates_it(
    cli, tmp_path, small_city, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path = write_vector(small_city, tmp_path / "p.gpkg")
    missing = tmp_path / "new.sqlite"
    result = cli("import", "parcels", path, db=f"sqlite:///{missing}")
    assert result.exit_code == 1 and not missing.exists()
    hint = the_hint(result.stderr, "init")
    assert hint == f"landbank --db sqlite:///{missing} init"
    assert run_hint(cli, hint).exit_code == 0
    assert missing.exists()
    assert cli("import", "parcels", path, db=f"sqlite:///{missing}").exit_code == 0


def test_the_default_database_is_not_created_either(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANDBANK_DB", raising=False)
    result = cli("parcels", "list")
    assert result.exit_code == 1
    assert "database file landbank.sqlite does not exist" in result.stderr
    assert not (tmp_path / "landbank.sqlite").exists()
    # the hint for the default database needs no --db (a bare landbank opens it)
    assert run_hint(cli, the_hint(result.stderr, "init")).exit_code == 0
    assert (tmp_path / "landbank.sqlite").exists()
    assert cli("parcels", "list").exit_code == 0


def test_the_no_schema_hint_runs_as_written(cli, empty_db_url, small_city, tmp_path):
    path = write_vector(small_city, tmp_path / "p.gpkg")
    result = cli("import", "parcels", path, db=empty_db_url)
    assert result.exit_code == 1 and "has no landbank schema" in result.stderr
    hint = the_hint(result.stderr, "init")
    assert hint == f"landbank --db {empty_db_url} init"
    assert run_hint(cli, hint).exit_code == 0
    assert cli("import", "parcels", path, db=empty_db_url).exit_code == 0


def test_a_path_with_a_space_is_quoted_in_the_hint(cli, tmp_path):
    missing = tmp_path / "my city" / "land.sqlite"
    missing.parent.mkdir()
    result = cli("parcels", "list", db=f"sqlite:///{missing}")
    assert result.exit_code == 1 and not missing.exists()
    assert run_hint(cli, the_hint(result.stderr, "init")).exit_code == 0
    assert missing.exists()


def test_a_missing_postgresql_database_says_how_to_create_it():
    why = _postgis_available()
    if why:
        pytest.skip(why)
    name = f"lbt_missing_{uuid.uuid4().hex[:8]}"
    url = _pg_admin_dsn(name).replace("postgres@", "postgres:s3cret@")
    from typer.testing import CliRunner

    from landbank.cli import app

    runner = CliRunner()
    try:
        result = runner.invoke(app, ["--db", url, "parcels", "list"])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1, result.stderr
        assert "s3cret" not in result.stderr
        assert f"database {name}" not in result.stderr or "does not exist" in result.stderr
        create, init = result.stderr.split("create it with: ")[1].strip().split(" && ")
        assert create.startswith("createdb ")
        subprocess.run(shlex.split(create), check=True, capture_output=True)
        words = shlex.split(init)
        assert words[:2] == ["landbank", "--db"] and "s3cret" not in init
        assert runner.invoke(app, words[1:]).exit_code == 0
        assert runner.invoke(app, ["--db", url, "parcels", "list"]).exit_code == 0
    finally:
        with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- every hint the CLI prints runs as written ---------------------------------------


@pytest.fixture
def city(cli, db_url, small_city, tmp_path):
    """Parcels, the sample buildings and one sample project in ``db_url``."""
    path = write_vector(small_city, tmp_path / "p.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    return db_url


def test_hints_of_reading_commands_run(cli, city):
    r = cli("parcels", "show", "NOPE-1", db=city)
    assert r.exit_code == 1
    assert run_hint(cli, the_hint(r.stderr, "parcels list")).exit_code == 0
    r = cli("buildings", "show", "NOPE-B", db=city)
    assert r.exit_code == 1
    assert run_hint(cli, the_hint(r.stderr, "buildings list")).exit_code == 0
    r = cli("disposal", "show", "NOPE-1", db=city)
    assert r.exit_code == 1
    for h in hints(r.stderr):
        assert run_hint(cli, h).exit_code == 0


def test_the_disposal_hint_opens_one(cli, city, small_city):
    code = small_city["code"].iloc[0]
    r = cli("disposal", "show", code, db=city)
    assert r.exit_code == 1
    hint = the_hint(r.stderr, "disposal open")
    assert run_hint(cli, hint).exit_code == 0
    assert cli("disposal", "show", code, db=city).exit_code == 0


def test_the_performance_hint_imports_figures(cli, city):
    r = cli("evaluate", db=city)
    assert r.exit_code == 1
    hint = the_hint(r.stderr, "import performance")
    perf = str(DATA / "performance" / "zaozhuang_performance_2025.xlsx")
    # the sample's figures name the sample's parcels: refused by code, but not a usage error
    assert run_hint(cli, hint, FILE=perf).exit_code in (0, 1)


def test_match_and_reserve_hints_run(cli, city, small_city):
    r = cli("match", "--project", "新能源装备制造项目", db=city)
    assert r.exit_code == 1
    assert run_hint(cli, the_hint(r.stderr, "projects add")).exit_code == 0
    assert cli("match", "--project", "新能源装备制造项目", db=city).exit_code == 0

    code = small_city["code"].iloc[0]
    r = cli("reserve", code, "--project", "nope", "--by", "a", db=city)
    assert r.exit_code == 1
    hint = the_hint(r.stderr, "projects add")
    toml = str(DATA / "projects" / "precision_parts_workshop.toml")
    assert run_hint(cli, hint, FILE=toml).exit_code == 0

    held = cli("reserve", code, "--project", "新能源装备制造项目", "--by", "a", db=city)
    assert held.exit_code == 0
    other = json.loads(cli("projects", "list", "--json", db=city).stdout)
    name = next(p["name"] for p in other if p["name"] != "新能源装备制造项目")
    r = cli("reserve", code, "--project", name, "--by", "b", db=city)
    assert r.exit_code == 1
    assert run_hint(cli, the_hint(r.stderr, "release")).exit_code == 0
    assert cli("reserve", code, "--project", name, "--by", "b", db=city).exit_code == 0

    r = cli("release", "NOPE-1", "--project", name, "--by", "b", db=city)
    assert r.exit_code == 1
    assert run_hint(cli, the_hint(r.stderr, "parcels list")).exit_code == 0
    run_hint(cli, the_hint(r.stderr, "buildings show"), BUILDING="NOPE-B")  # no usage error


def test_the_vacancies_hint_names_a_runnable_import(cli, city, tmp_path):
    import pandas as pd

    path = tmp_path / "v.csv"
    pd.DataFrame({"building_code": ["NOPE-B"], "floor": [1], "vacant_area_m2": [100]}).to_csv(
        path, index=False
    )
    r = cli("import", "vacancies", path, db=city)
    assert r.exit_code == 1
    hint = the_hint(r.stderr, "import buildings")
    book = str(DATA / "buildings" / "zaozhuang_buildings.xlsx")
    assert run_hint(cli, hint, FILE=book).exit_code == 0


def test_hints_without_db_stay_bare_for_the_default_database(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LANDBANK_DB", raising=False)
    assert cli("init").exit_code == 0
    r = cli("parcels", "show", "NOPE-1")
    assert r.exit_code == 1 and "see landbank parcels list" in r.stderr
    assert run_hint(cli, the_hint(r.stderr, "parcels list")).exit_code == 0


def test_hints_finds_each_command_line():
    text = (
        "x; see landbank parcels list or landbank buildings list; add it with landbank "
        "projects add FILE.toml, or give it; (landbank disposal unblock CODE --kind KIND "
        "--by NAME); create it with: createdb x && landbank --db sqlite:///a.sqlite init"
    )
    assert hints(text) == [
        "landbank parcels list",
        "landbank buildings list",
        "landbank projects add FILE.toml",
        "landbank disposal unblock CODE --kind KIND --by NAME",
        "landbank --db sqlite:///a.sqlite init",
    ]
    assert hints("no CRS landbank recognises") == []


# -- demo writes under the working directory or --out ----------------------------------


def _tree(folder: Path) -> dict[str, int]:
    return {
        str(p): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_demo_writes_under_the_working_directory_and_its_hints_run(cli, tmp_path, monkeypatch):
    import landbank

    package = Path(landbank.__file__).parent
    before = {f: _tree(f) for f in (package, ROOT / "maps", ROOT / "reports")}
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    db = f"sqlite:///{work / 'demo.sqlite'}"  # demo creates its database
    result = cli("demo", "-q", "--out", "out", db=db)
    assert result.exit_code == 0, result.stderr
    for name in ("idle_land.html", "disposal_progress.html", "match_new_energy_equipment.html"):
        assert (work / "out" / "maps" / name).stat().st_size > 0
    for name in ("progress_ledger.xlsx", "progress_report.html"):
        assert (work / "out" / "reports" / name).stat().st_size > 0
    assert not (work / "maps").exists() and not (work / "reports").exists()
    assert {f: _tree(f) for f in before} == before  # nothing written beside the code
    # the demo's closing hints run as written on the demo's database
    line = next(x for x in result.stdout.splitlines() if x.startswith("next: "))
    code = json.loads(cli("parcels", "list", "--json", db=db).stdout)[0]["code"]
    for hint in hints(line):
        assert run_hint(cli, hint, CODE=code).exit_code == 0, hint
    assert (work / "台账.xlsx").stat().st_size > 0


# -- output files honour the umask -----------------------------------------------------


@pytest.fixture
def restore_umask():
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture
def spatialite_url(spatialite_template, tmp_path) -> str:
    """One migrated SpatiaLite database (a file's mode does not depend on the engine)."""
    import shutil

    path = tmp_path / "modes.sqlite"
    shutil.copy(spatialite_template, path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_maps_packs_exports_and_reports_honour_the_umask(
    cli, spatialite_url, small_city, tmp_path, restore_umask, umask, mode
):
    db_url = spatialite_url
    path = write_vector(small_city, tmp_path / "p.gpkg")
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    assert cli("classify", db=db_url).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    os.umask(umask)
    runs = [
        ("map", "--out", out / "idle.html", "--basemap", "none"),
        ("parcels", "show", small_city["code"].iloc[0], "--map", out / "one.html"),
        ("match", "--area-mu", "1:1000", "--map", out / "m.html", "--xlsx", out / "m.xlsx"),
        ("progress", "--xlsx", out / "ledger.xlsx", "--html", out / "report.html"),
        *[("export", out / f"x{suffix}") for suffix in (".gpkg", ".geojson", ".csv", ".xlsx")],
        ("export", out / "x.shp"),
        ("export", out / "x.txt"),
    ]
    for args in runs:
        result = cli(*args, db=db_url)
        assert result.exit_code == 0, (args, result.stderr)
    files = sorted(p for p in out.iterdir())
    names = {p.name for p in files}
    assert {"idle.html", "one.html", "m.html", "m.xlsx", "ledger.xlsx", "report.html"} <= names
    assert {"x.gpkg", "x.csv", "x.xlsx", "x.shp", "x.dbf"} <= names
    assert not [p.name for p in files if p.name.startswith(".")]  # no temporary left
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert set(modes.values()) == {oct(mode)}, modes


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from landbank.io.files import atomic_path

    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target, ".html") as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


# -- --field NAME= and --default NAME=VALUE ------------------------------------------


def _osm_footprints(tmp_path: Path) -> Path:
    """Footprints as an OpenStreetMap extract gives them: osm_id, name, building=yes
    and a ``type`` column (taken as building_type by its alias) holding "yes"."""
    import geopandas as gpd
    import shapely

    boxes = [shapely.box(117.17 + i * 0.002, 35.07, 117.171 + i * 0.002, 35.071) for i in range(3)]
    frame = gpd.GeoDataFrame(
        {
            "osm_id": ["w101", "w102", "w103"],
            "name": ["一号厂房", "二号楼", None],
            "building": ["yes", "industrial", "yes"],
            "type": ["yes", "yes", None],
        },
        geometry=boxes,
        crs="EPSG:4326",
    )
    path = tmp_path / "osm_buildings.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def _types(cli, db) -> dict[str, str | None]:
    rows = json.loads(cli("buildings", "list", "--json", db=db).stdout)
    return {r["code"]: r["building_type"] for r in rows}


def test_an_unknown_building_type_lists_the_values_and_the_options_that_help(cli, db_url, tmp_path):
    path = _osm_footprints(tmp_path)
    r = cli("import", "buildings", path, "--field", "code=osm_id", db=db_url)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert 'building_type (type): "yes" is not known' in r.stderr
    for word in ("standard_factory", "office", "other", "标准厂房", "--field building_type="):
        assert word in r.stderr, word
    assert "--default building_type=other" in r.stderr
    assert _types(cli, db_url) == {}


def test_field_name_empty_leaves_the_column_out_and_default_fills_it(cli, db_url, tmp_path):
    path = _osm_footprints(tmp_path)
    args = ("import", "buildings", path, "--field", "code=osm_id", "--field", "building_type=")
    r = cli(*args, "--json", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert "type" in json.loads(r.stdout)["ignored_columns"]
    assert _types(cli, db_url) == {"w101": None, "w102": None, "w103": None}
    r = cli(*args, "--default", "building_type=other", "--upsert", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert _types(cli, db_url) == {"w101": "other", "w102": "other", "w103": "other"}


def test_default_fills_only_the_empty_cells(cli, db_url, tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "code": ["NB-1", "NB-2", "NB-3"],
            "building_type": ["office", "", None],
            "lon": ["117.17", "117.18", "117.61"],
            "lat": ["35.07", "35.08", "34.78"],
        }
    )
    path = tmp_path / "b.csv"
    frame.to_csv(path, index=False)
    r = cli("import", "buildings", path, "--default", "building_type=标准厂房", db=db_url)
    assert r.exit_code == 0, r.stderr
    assert _types(cli, db_url) == {
        "NB-1": "office",
        "NB-2": "standard_factory",
        "NB-3": "standard_factory",
    }
    # a default is checked like any value: a wrong one is refused, nothing written
    vac = tmp_path / "v.csv"
    pd.DataFrame({"building_code": ["NB-1"], "vacant_area_m2": ["100"]}).to_csv(vac, index=False)
    r = cli("import", "vacancies", vac, "--default", "available_from=2026-13-40", db=db_url)
    assert r.exit_code == 1 and "available_from (--default available_from)" in r.stderr
    r = cli("import", "vacancies", vac, "--default", "floor=3", "--json", db=db_url)
    assert r.exit_code == 0, r.stderr
    shown = json.loads(cli("buildings", "show", "NB-1", "--json", db=db_url).stdout)
    assert [v["floor"] for v in shown["vacancies"]] == [3]


@pytest.mark.parametrize(
    "option,words",
    [
        (("--default", "building_type"), ["--default", "CANONICAL=VALUE", "building_type=other"]),
        (("--default", "colour=red"), ["'colour' is not a field", "building_type"]),
        (("--default", "building_type=yes"), ["--default building_type", "standard_factory"]),
        (("--field", "=x"), ["CANONICAL=SOURCE"]),
    ],
)
def test_bad_field_and_default_options_are_one_line(cli, db_url, tmp_path, option, words):
    path = _osm_footprints(tmp_path)
    r = cli("import", "buildings", path, "--field", "code=osm_id", *option, db=db_url)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    for word in words:
        assert word in r.stderr, (word, r.stderr)
    assert _types(cli, db_url) == {}


def test_parcels_and_performance_take_field_and_default(cli, db_url, small_city, tmp_path):
    import pandas as pd

    path = write_vector(small_city, tmp_path / "p.gpkg")  # Chinese headers: 行政区 ...
    r = cli("import", "parcels", path, "--field", "district=", db=db_url)
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    assert {p["district"] for p in listed} == {None}
    r = cli(
        "import", "parcels", path, "--field", "district=", "--default", "district=市中区",
        "--upsert", db=db_url,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    assert {p["district"] for p in listed} == {"市中区"}

    perf = tmp_path / "perf.csv"
    codes = small_city["code"].iloc[:3].tolist()
    pd.DataFrame({"地块编号": codes, "税收(万元)": ["10", "", "30"]}).to_csv(perf, index=False)
    r = cli("import", "performance", perf, db=db_url)
    assert r.exit_code == 1 and "year" in r.stderr
    r = cli(
        "import", "performance", perf, "--default", "year=2025", "--default", "tax_wan=0",
        "--json", db=db_url,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["new"] == 3


@pytest.mark.parametrize("args", [("init",), ("parcels", "list")], ids=" ".join)
def test_a_missing_folder_is_named_without_a_hint_that_cannot_run(cli, tmp_path, args):
    missing = tmp_path / "no_such_folder" / "land.sqlite"
    result = cli(*args, db=f"sqlite:///{missing}")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert f"folder {missing.parent} does not exist" in result.stderr
    assert hints(result.stderr) == [] and not missing.parent.exists()
