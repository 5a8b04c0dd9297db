"""Maps source column names onto canonical field names.

Order of precedence: ``--field CANONICAL=SOURCE`` options, then a ``--mapping`` TOML
file (a ``[fields]`` table of ``canonical = "source"``), then the built-in aliases
(the usual Chinese headers), then the canonical names themselves.

``--field CANONICAL=`` (nothing after ``=``) maps no column to that field: a column
an alias would have taken is left out. ``--default CANONICAL=VALUE`` fills that field
where the file has no column for it, or where its cell is empty; the value is then
checked like any value of the file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd

from landbank.domain.fields import FIELD_BY_NAME, Field
from landbank.errors import InputError


def _norm(name: str) -> str:
    """Folds the differences clerks make in headers: case, spaces, full-width brackets."""
    name = name.strip().lower().replace("（", "(").replace("）", ")").replace("㎡", "m2")
    return re.sub(r"\s+", "", name)


def parse_field_options(options: list[str]) -> dict[str, str]:
    """Reads ``CANONICAL=SOURCE`` strings into a dict; raises InputError on a bad one.
    ``CANONICAL=`` (no source) gives an empty source: map no column to that field."""
    out: dict[str, str] = {}
    for opt in options:
        canonical, sep, source = opt.partition("=")
        if not sep or not canonical.strip():
            raise InputError(
                f"--field {opt!r}: write CANONICAL=SOURCE, e.g. --field code=DKBH "
                "(or CANONICAL= to import no column as that field)"
            )
        out[canonical.strip()] = source.strip()
    return out


def parse_default_options(options: list[str]) -> dict[str, str]:
    """Reads ``CANONICAL=VALUE`` strings of ``--default`` into a dict."""
    out: dict[str, str] = {}
    for opt in options:
        canonical, sep, value = opt.partition("=")
        if not sep or not canonical.strip() or not value.strip():
            raise InputError(
                f"--default {opt!r}: write CANONICAL=VALUE, e.g. --default building_type=other"
            )
        out[canonical.strip()] = value.strip()
    return out


def apply_defaults(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    defaults: dict[str, str],
    fields: tuple[Field, ...],
) -> pd.DataFrame:
    """Returns ``frame`` with each ``--default`` field filled: the empty cells of the
    column mapped to it, or a new column (named ``--default NAME``, so that a message
    about its value says where it came from) where none is; ``mapping`` gains it."""
    if not defaults:
        return frame
    known = {f.name for f in fields}
    frame = frame.copy()
    for canonical, value in defaults.items():
        if canonical not in known:
            raise InputError(
                f"--default {canonical}={value}: {canonical!r} is not a field; "
                f"use one of {', '.join(sorted(known))}"
            )
        column = next((s for s, c in mapping.items() if c == canonical), None)
        if column is None:
            column = f"--default {canonical}"
            frame[column] = value
            mapping[column] = canonical
            continue
        series = frame[column].astype(object)
        blank = series.isna() | series.map(lambda v: isinstance(v, str) and not v.strip())
        frame[column] = series.where(~blank, value)
    return frame


def read_mapping_file(path: Path) -> dict[str, str]:
    """Reads a mapping TOML file: ``[fields]`` with ``canonical = "source column"``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such mapping file; check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{Path(path).name}: not valid UTF-8 TOML ({exc}); fix the file") from None
    fields = data.get("fields")
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise InputError(
            f'{Path(path).name}: needs a [fields] table of canonical = "source column" lines'
        )
    return fields


def map_columns(
    columns: list[str],
    fields: tuple[Field, ...],
    explicit: dict[str, str],
    source_name: str,
) -> dict[str, str]:
    """Returns {source column: canonical name} for ``columns``.

    ``explicit`` ({canonical: source}) wins over aliases; an explicit canonical name
    that is unknown, or a source column that is absent, is an InputError.
    """
    known = {f.name for f in fields}
    present = {_norm(c): c for c in columns}
    mapping: dict[str, str] = {}
    ignored: set[str] = set()
    for canonical, source in explicit.items():
        if canonical not in known:
            raise InputError(
                f"--field {canonical}={source}: {canonical!r} is not a field; "
                f"use one of {', '.join(sorted(known))}"
            )
        if not source:  # --field NAME=: no column is that field
            ignored.add(canonical)
            continue
        column = present.get(_norm(source))
        if column is None:
            raise InputError(
                f"{source_name}: no column {source!r} for {canonical}; "
                f"columns are {', '.join(columns)}"
            )
        mapping[column] = canonical
    taken = set(mapping.values()) | ignored
    for f in fields:
        if f.name in taken:
            continue
        for candidate in (f.name, f.zh, f.en, *f.aliases, f.short):
            column = present.get(_norm(candidate)) if candidate else None
            if column is not None and column not in mapping:
                mapping[column] = f.name
                break
    return mapping


def field_of(name: str) -> Field | None:
    return FIELD_BY_NAME.get(name)
