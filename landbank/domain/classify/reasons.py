"""Reasons and flags as JSON text, built column-wise.

While the rules run, the reasons given so far are a ``Reasons``: each rule adds its
own, rendered only for the parcels it fires on; at the end each parcel's are joined
in the order they were given, so they come in the order of the rules.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd


class D:
    """A date column shown as YYYY-MM-DD in a reason ("?" where unknown)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype="datetime64[D]")

    def take(self, rows: np.ndarray) -> np.ndarray:
        v = self.values[rows]
        text = np.datetime_as_string(v).astype(object)
        text[np.isnat(v)] = "?"
        return text


class N:
    """A number column shown with ``digits`` decimals in a reason ("?" where unknown)."""

    def __init__(self, values, digits: int = 1):
        self.values = np.asarray(values, dtype=float)
        self.digits = digits

    def take(self, rows: np.ndarray) -> np.ndarray:
        v = self.values[rows]
        unknown = np.isnan(v)
        if self.digits == 0:  # whole numbers: one vectorised cast
            text = np.round(np.nan_to_num(v)).astype(np.int64).astype(str).astype(object)
        else:
            d = self.digits
            text = np.array([f"{x:.{d}f}" for x in np.nan_to_num(v)], dtype=object)
        text[unknown] = "?"
        return text


class T:
    """A text column shown as it is in a reason ("?" where unknown); its values hold no
    quote or backslash (codes, names of a register)."""

    def __init__(self, values):
        self.values = np.asarray(pd.Series(values).astype(object).fillna("?"), dtype=object)

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self.values[rows].astype(str).astype(object)


class Reasons:
    """The reasons given so far, in the order given: for each, the rows it fired on and
    its JSON object on each of them. Never changed: ``add`` returns a new one, sharing
    what was given before (nothing is copied)."""

    def __init__(self, index: pd.Index, given: tuple = ()):
        self.index = index
        self.given = given

    def add(self, mask, rule: str, zh: str, en: str, **fields) -> Reasons:
        """These reasons and one more, ``rule`` in words (``zh``, ``en``: templates whose
        ``{name}`` are filled from ``fields``, D or N columns), for the parcels of
        ``mask`` (rendered for those rows only)."""
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(rows):
            return self
        # one template for the whole object (its braces doubled), so each literal part is
        # added to the rows once; templates and fields (dates, numbers) hold no quote or
        # backslash: no escaping
        whole = '{{"rule": "' + rule + '", "text_zh": "' + zh + '", "text_en": "' + en + '"}}'
        return Reasons(self.index, (*self.given, (rows, _render(whole, fields, rows))))

    def json(self) -> pd.Series:
        """Each parcel's reasons as a JSON list (text, same index)."""
        acc = np.full(len(self.index), "", dtype=object)
        for rows, frag in self.given:
            before = acc[rows]
            acc[rows] = frag
            more = before != ""  # joined to the reasons given before; most have none
            if more.any():
                tail = frag[more] if isinstance(frag, np.ndarray) else frag
                acc[rows[more]] = before[more] + ", " + tail
        return _listed(pd.Series(acc, index=self.index, dtype=object))


def _render(template: str, fields: dict, rows: np.ndarray) -> np.ndarray | str:
    """``template`` filled in for ``rows``: its literal parts and fields joined column-wise
    (a str when it has no fields)."""
    out: np.ndarray | str = ""
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            out = out + literal
        if name is not None:
            out = out + fields[name].take(rows)
    return out


def _listed(items: pd.Series) -> pd.Series:
    """``items`` (text joined by ", ") in brackets: str, or object when there are no
    rows (the dtype classify has always given an empty frame)."""
    if not len(items):
        return items.astype(object)
    # as str first, the brackets are one vectorised string operation (a second faster
    # on a million parcels than adding them to Python strings)
    return "[" + items.astype("str") + "]"


def flags_json(index: pd.Index, flags: dict[str, np.ndarray]) -> pd.Series:
    """Each parcel's raised flags, in the order of ``flags`` (name: boolean column on
    ``index``), as a JSON list of names (text, same index)."""
    acc = np.full(len(index), "", dtype=object)
    for flag, raised in flags.items():
        rows = np.flatnonzero(raised)
        current = acc[rows]
        acc[rows] = np.where(current == "", f'"{flag}"', current + f', "{flag}"')
    return _listed(pd.Series(acc, index=index, dtype=object))
