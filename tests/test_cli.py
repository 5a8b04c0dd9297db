"""The command line: help for every command, the demo, JSON on stdout only."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import typer

from landbank.cli import app
from tests.conftest import ROOT


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        else:
            yield path


COMMANDS = sorted(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(cli, path):
    result = cli(*path, "--help")
    assert result.exit_code == 0 and "Usage" in result.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"landbank {' '.join(path)}" in readme


def test_demo_loads_the_sample_city_and_says_where_everything_went(
    cli, db_url, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # maps/ and reports/ go under the working directory
    result = cli("demo", "-q", db=db_url)
    assert result.exit_code == 0, result.stderr
    assert "400 new" in result.stdout
    assert "zaozhuang_buildings.xlsx → 12 new" in result.stdout
    again = cli("demo", "-q", db=db_url)
    assert "400 unchanged" in again.stdout
    assert "0 updated, 12 unchanged buildings; 33 vacant floors" in again.stdout
    assert len(json.loads(cli("buildings", "list", "--json", db=db_url).stdout)) == 12
    # both sample projects are stored and matched, each with a map and a pack
    for name in ("新能源装备制造项目", "精密零部件加工车间"):
        line = next(x for x in again.stdout.splitlines() if x.startswith(f"match {name}:"))
        assert " 0 candidates" not in line
    for stem in ("match_new_energy_equipment", "match_precision_parts_workshop"):
        assert (tmp_path / "maps" / f"{stem}.html").stat().st_size > 0
        assert (tmp_path / "reports" / f"{stem}.xlsx").stat().st_size > 0
    projects = json.loads(cli("projects", "list", "--json", db=db_url).stdout)
    assert len(projects) == 2
    items = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)
    assert len(items) == 400
    assert {"code", "name", "district", "park", "land_use", "area_mu", "category"} <= set(items[0])
    only = json.loads(cli("parcels", "list", "--district", "滕州市", "--json", db=db_url).stdout)
    assert 0 < len(only) < 400 and {p["district"] for p in only} == {"滕州市"}


def test_show_of_an_unknown_code_is_a_clear_error(cli, db_url):
    result = cli("parcels", "show", "NOPE-1", db=db_url)
    assert result.exit_code == 1
    assert "parcel 'NOPE-1' is not in the database" in result.stderr


def test_wrong_usage_exits_2(cli):
    assert cli("import", "parcels").exit_code == 2
    assert cli("--lang", "fr", "parcels", "list").exit_code == 2


def test_domain_imports_no_database_file_cli_or_web_code():
    forbidden = (
        "landbank.db",
        "landbank.io",
        "landbank.cli",
        "landbank.web",
        "landbank.services",
        "sqlalchemy",
        "geoalchemy2",
        "pyogrio",
        "typer",
        "openpyxl",
        "fastapi",
    )
    for path in (ROOT / "landbank" / "domain").rglob("*.py"):  # classify/ included
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_missing_spatialite_names_the_package_to_install(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", str(tmp_path / "no_such_mod_spatialite"))
    result = cli("init", db=f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: SpatiaLite (mod_spatialite) cannot be loaded; install it: apt-get install "
        "libsqlite3-mod-spatialite (Debian/Ubuntu), brew install libspatialite (macOS)"
    )


def test_an_unreachable_server_is_one_line(cli):
    result = cli("parcels", "list", db="postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "check --db / LANDBANK_DB" in result.stderr
