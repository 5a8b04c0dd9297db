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


def problems(codes: pd.Series) -> pd.Series:
    """For a column of normalised codes (None for blanks): the problem of each invalid
    one, None where a code is valid or blank."""
    found = [problem(c) if isinstance(c, str) else None for c in codes.tolist()]
    return pd.Series(found, index=codes.index, dtype=object)


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
