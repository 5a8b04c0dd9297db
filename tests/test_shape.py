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
