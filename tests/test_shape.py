"""The shape of the code: no module of landbank imports itself back through others."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "landbank"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The landbank modules ``path`` (module ``name``) imports anywhere in its text,
    including inside functions: ``from a import b`` is ``a.b`` when that is a module,
    else ``a``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """Every module under landbank/ and the landbank modules it imports."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, name, modules) for name, path in paths.items()}


def test_the_import_graph_sees_modules_and_packages():
    graph = import_graph()
    assert "landbank.cli.shell" in graph["landbank.cli.parcels"]
    assert "landbank.cli.parcels" in graph["landbank.cli"]
    assert "landbank.web.deps" in graph["landbank.web.api"]
    # a function-level import counts
    assert "landbank.web.deps" in graph["landbank.web.guard"]


def test_no_import_circle_in_landbank():
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError("import circle: " + " → ".join(exc.args[1])) from None


def _third_party(path: Path) -> set[str]:
    """The top-level names of what ``path`` imports from outside landbank."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def _layer(name: str) -> str:
    return name.split(".")[1] if name.count(".") >= 1 else ""


def test_the_domain_imports_no_db_io_or_services():
    graph = import_graph()
    wrong = {
        (module, used)
        for module, uses in graph.items()
        if _layer(module) == "domain"
        for used in uses
        if _layer(used) in ("db", "io", "services", "web", "cli", "maps")
    }
    assert not wrong, f"the domain reaches out: {sorted(wrong)}"
    outside = {
        (p.name, lib)
        for p in (PACKAGE / "domain").rglob("*.py")
        for lib in _third_party(p) & {"sqlalchemy", "geoalchemy2", "pyogrio", "fastapi", "typer"}
    }
    assert not outside, f"the domain uses I/O libraries: {sorted(outside)}"


def test_services_import_no_sqlalchemy():
    found = {
        str(p.relative_to(ROOT)): lib
        for p in (PACKAGE / "services").rglob("*.py")
        for lib in _third_party(p) & {"sqlalchemy", "geoalchemy2", "psycopg"}
    }
    assert not found, f"services holding SQL (move it to landbank/db/): {found}"


def test_services_hold_no_table():
    """No service aliases a table (``X = Model.__table__``) or reaches for the models:
    each table's SQL is in db/."""
    found = sorted(
        str(p.relative_to(ROOT))
        for p in (PACKAGE / "services").rglob("*.py")
        if "landbank.db.models" in {*_landbank_imports(p)} or "__table__" in p.read_text("utf-8")
    )
    assert not found, f"services using tables directly: {found}"


def _landbank_imports(path: Path) -> set[str]:
    return {
        node.module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
    }


def test_only_db_history_writes_parcel_event():
    """The append-only history has one writer: an INSERT into parcel_event, written as
    SQL text or through the ParcelEvent table, appears in db/history.py and nowhere
    else (migrations create the table; they are not writers)."""
    writers = set()
    for p in PACKAGE.rglob("*.py"):
        if "migrations" in p.parts:
            continue
        text = p.read_text(encoding="utf-8")
        names_table = "ParcelEvent" in text or "parcel_event" in text
        writes = any(w in text for w in ("insert(", ".insert()", "INSERT INTO", "insert_frame("))
        mentions_insert = "INSERT INTO parcel_event" in text or (
            names_table and "ParcelEvent" in text and writes
        )
        if mentions_insert or '"parcel_event"' in text and "insert_frame(" in text:
            writers.add(str(p.relative_to(PACKAGE)))
    writers.discard("db/models.py")  # declares the table
    assert writers == {"db/history.py"}, f"parcel_event written outside db/history.py: {writers}"


def test_no_engine_difference_outside_db_dialects():
    """What differs between SpatiaLite and PostGIS is in db/dialects.py only: no other
    module asks which database it is talking to."""
    found = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
        and p.name != "dialects.py"
        and any(
            ask in p.read_text("utf-8")
            for ask in ("dialect.name", "is_sqlite", '.name == "sqlite"', '.name == "postgresql"')
        )
    )
    assert not found, f"engine branches outside db/dialects.py: {found}"
