"""The parcels coloured by their holding enterprise's grade (亩均评价等级): A–D, held
by an enterprise not graded, or held by no enterprise known by its credit code.
Drawn on a :class:`MapBuilder`'s parcel table, so search and popups work as on the
idle-land map, with the enterprise and its grade in the popup."""

from __future__ import annotations

import numpy as np
import pandas as pd

from landbank.maps.builder import MapBuilder
from landbank.maps.encode import encode_column

# Okabe-Ito, colour-blind safe: the grades apart from each other and from the greys
GRADE_COLORS = {
    "A": "#009E73",
    "B": "#56B4E9",
    "C": "#E69F00",
    "D": "#D55E00",
    "not_graded": "#7F7F7F",
    "no_enterprise": "#DDDDDD",
}
GRADE_LABELS = {
    "A": {"zh": "A 类", "en": "grade A"},
    "B": {"zh": "B 类", "en": "grade B"},
    "C": {"zh": "C 类", "en": "grade C"},
    "D": {"zh": "D 类", "en": "grade D"},
    "not_graded": {"zh": "企业未评级", "en": "enterprise not graded"},
    "no_enterprise": {"zh": "无关联企业", "en": "no enterprise"},
}
WORDS = {
    "zh": {"title": "企业亩均评价等级", "enterprise": "企业", "grade": "等级"},
    "en": {"title": "per-mu grade of the enterprise", "enterprise": "enterprise", "grade": "grade"},
}


def grade_class(parcels: pd.DataFrame) -> pd.Series:
    """Each parcel's class on the map: its enterprise's grade (A–D), ``not_graded``
    (held by an enterprise with no grade) or ``no_enterprise``. Reads
    ``holder_credit_code`` and ``grade``."""
    held = parcels["holder_credit_code"].notna()
    graded = parcels["grade"].isin(list("ABCD"))
    out = pd.Series("no_enterprise", index=parcels.index, dtype=object)
    out[held] = "not_graded"
    out[held & graded] = parcels.loc[held & graded, "grade"]
    return out


def add_grade_layers(builder: MapBuilder, parcels: pd.DataFrame, year: int | None) -> None:
    """Draws ``parcels`` (as ``MapBuilder.add_parcels`` takes them, plus
    ``holder_credit_code``, ``enterprise`` (its name) and ``grade``) one layer per
    grade class, with a legend in the builder's language titled with ``year``."""
    lang = builder.lang
    words = WORDS[lang]
    builder.add_parcels(parcels, legend=False)
    # the category layers of add_parcels give way to the grade classes (same table)
    builder.layers = [layer for layer in builder.layers if layer.get("table") != "parcels"]
    classes = grade_class(parcels)
    table = builder.tables["parcels"]
    names = [
        f"{n or ''} {c}".strip() if isinstance(c, str) else None
        for n, c in zip(parcels["enterprise"], parcels["holder_credit_code"], strict=True)
    ]
    table["cols"]["enterprise"] = encode_column(names)
    table["cols"]["grade"] = encode_column(
        [GRADE_LABELS[c][lang] for c in classes], dictionary=True
    )
    table["fields"][3:3] = [
        {"key": "enterprise", "label": words["enterprise"]},
        {"key": "grade", "label": words["grade"]},
    ]
    table["tooltipKeys"] = ["code", "grade"]
    items = []
    for key, color in GRADE_COLORS.items():
        rows = np.flatnonzero((classes == key).to_numpy()).tolist()
        if not rows:
            continue
        label = GRADE_LABELS[key][lang]
        faint = key == "no_enterprise"
        builder.layers.append(
            {
                "table": "parcels",
                "kind": "polygons",
                "label": label,
                "color": color,
                "rows": rows,
                "fillOpacity": 0.25 if faint else 0.65,
                "opacity": 0.6 if faint else 1,
                "weight": 0.5 if faint else 1.5,
                "searchable": True,
            }
        )
        items.append({"label": label, "color": color, "count": len(rows)})
    title = words["title"] + (f" {year}" if year else "")
    builder.legend.insert(0, {"title": title, "items": items})
