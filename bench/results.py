"""One place that prints a benchmark's table and, when asked, appends it to RESULTS.md."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")


def report(table: str, record: bool) -> None:
    """Prints ``table``; with ``record`` appends it to bench/RESULTS.md."""
    print(table)
    if record:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + table)
