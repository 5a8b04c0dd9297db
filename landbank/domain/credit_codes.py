"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the
last a check character. Checked with python-stdnum's ``cn.uscc``; pure, no I/O."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

LENGTH = 18


def normalise(code) -> str | None:
    """A code as stored: full-width characters folded (NFKC), spaces and hyphens gone,
    upper case; None for a blank."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    text = uscc.compact(unicodedata.normalize("NFKC", str(code)))
    return text or None


def problem(code: str) -> str | None:
    """What is wrong with a normalised ``code`` in words a clerk can act on (the
    expected check character where the rest is well formed), or None when it is valid."""
    try:
        uscc.validate(code)
    except InvalidLength:
        return f"has {len(code)} characters, a credit code has {LENGTH}"
    except InvalidChecksum:
        return f"check character {code[-1]}, expected {uscc.calc_check_digit(code[:-1])}"
    except InvalidFormat:
        return (
            "is not a credit code: the first 8 characters are digits, the rest digits or "
            "capital letters other than I, O, Z, S, V"
        )
    except ValidationError:
        return "is not a credit code"
    return None


_INDEX = np.full(128, -1, dtype=np.int64)  # ASCII character -> its value in the alphabet
for _i, _c in enumerate(uscc._alphabet):
    _INDEX[ord(_c)] = _i
_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_SHAPE = r"^\d{8}[0-9A-HJ-NPQRTUWXY]{10}$"


# Python's \s (str.isspace) spelled out: pandas runs a pattern without \s or \u escapes
# in pyarrow's RE2 over the whole column, with them in Python's re value by value (4x
# slower); the characters themselves, not escapes, for the same reason.
SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WIDE = "[\u3000\uff00-\uffef]"  # the ideographic space and the full-width forms


def _folded(values: pd.Series, drop: str) -> pd.Series:
    """Text with full-width characters folded (NFKC) and ``drop`` (a regex) removed,
    the work done only on the values that need it (most names have neither)."""
    text = values.astype("string")
    wide = text.str.contains(_WIDE, regex=True).fillna(False)
    if wide.any():
        text[wide] = text[wide].str.normalize("NFKC")
    spaced = text.str.contains(drop, regex=True).fillna(False)
    if spaced.any():
        text[spaced] = text[spaced].str.replace(drop, "", regex=True)
    return text


def _objects(text: pd.Series) -> pd.Series:
    out = text.astype(object)
    out[(text.isna() | (text == "")).to_numpy()] = None
    return out


def normalise_column(codes: pd.Series) -> pd.Series:
    """``normalise`` of a whole column (object dtype, None for blanks), vectorised."""
    return _objects(_folded(codes, f"[{SPACE}-]").str.upper())


def problems(codes: pd.Series) -> pd.Series:
    """For a column of normalised codes (None for blanks): the problem of each invalid
    one, None where a code is valid or blank. The check characters are computed for the
    whole column at once (GB 32100-2015's weights, as stdnum's ``calc_check_digit``); a
    code found wrong is explained by ``problem``, which asks stdnum."""
    text = codes.astype("string")
    shaped = text.str.match(_SHAPE).fillna(False).to_numpy(dtype=bool)
    good = np.zeros(len(codes), dtype=bool)
    if shaped.any():
        joined = "".join(text[shaped].tolist()).encode("ascii")
        values = _INDEX[np.frombuffer(joined, dtype=np.uint8).reshape(-1, LENGTH)]
        check = (31 - (values[:, :17] @ _WEIGHTS) % 31) % 31
        good[shaped] = check == values[:, 17]
    blank = text.isna().to_numpy()
    found = pd.Series([None] * len(codes), index=codes.index, dtype=object)
    for i in np.flatnonzero(~good & ~blank):
        found.iloc[i] = problem(codes.iloc[i])
    return found


def with_check(first17: str) -> str:
    """The full code for its first 17 characters: the check character computed (GB
    32100-2015, as stdnum does), never written by hand."""
    return first17 + uscc.calc_check_digit(first17)


def normalise_name(name) -> str | None:
    """An enterprise name as it is compared: full-width and half-width folded (NFKC),
    every space dropped, Latin letters in lower case; None for a blank."""
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    text = "".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()
    return text or None


def normalise_names(names: pd.Series) -> pd.Series:
    """``normalise_name`` of a whole column (object dtype, None for blanks), vectorised."""
    return _objects(_folded(names, f"[{SPACE}]+").str.casefold())
