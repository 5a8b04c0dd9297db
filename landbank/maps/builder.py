"""The one place maps are built: idle land, progress, a parcel, match results.

A :class:`MapBuilder` collects layers from frames (geometry in EPSG:4490 degrees) and
writes one self-contained HTML file: a folium map whose Leaflet and landbank runtime
are inlined from installed packages, and whose data are compact columns decoded in the
browser (see ``encode.py`` and ``static/landbank-map.js``).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from landbank.domain import disposal as wf
from landbank.domain.buildings import state_label
from landbank.domain.categories import CATEGORIES, category_label
from landbank.domain.fields import label as field_label
from landbank.domain.gcj02 import wgs84_to_gcj02
from landbank.domain.matching import COMPONENTS, KINDS
from landbank.io.files import atomic_path
from landbank.maps import assets
from landbank.maps.basemaps import base_layers
from landbank.maps.encode import (
    encode_codes,
    encode_column,
    encode_lines,
    encode_points,
    encode_polygons,
    simplify,
)

# Okabe-Ito: told apart with the common colour-vision deficiencies
CATEGORY_COLORS = {
    "approved_not_supplied": "#E69F00",
    "supplied_not_used": "#D55E00",
    "used_not_completed": "#CC79A7",
    "built_not_operating": "#0072B2",
    "operating_below_standard": "#56B4E9",
    # no dates recorded (未分类): a dark grey, apart from the light grey of the others
    "unclassified": "#616161",
}
OTHER_COLOR = "#9E9E9E"
# match candidates: black-outlined bluish green, apart from every category colour
CANDIDATE_COLOR = "#009E73"
BUILDING_COLORS = {"vacant": "#F0E442", "partly_vacant": "#009E73", "occupied": "#BBBBBB"}
# ColorBrewer YlGnBu, 5 classes (colour-blind safe), for the disposal rate
RATE_BINS = (0.2, 0.4, 0.6, 0.8)
RATE_COLORS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_RATE_COLOR = "#dddddd"

TEXT = {
    "zh": {
        "title": "闲置低效土地",
        "other": "其他地块",
        "buildings": "闲置楼宇",
        "vacant_area_m2": "空置面积(m²)",
        "total_floor_area_m2": "总建筑面积(m²)",
        "vacant_floors": "空置楼层",
        "state": "状态",
        "address": "地址",
        "reasons": "认定理由",
        "disposal_state": "处置状态",
        "next_deadline": "下一期限",
        "rate": "处置率",
        "districts": "各区处置率",
        "no_rate": "无认定地块",
        "identified": "认定",
        "disposed": "已处置",
        "search": "按地块编号搜索",
        "fullscreen": "全屏",
        "candidates": "候选地块与楼宇",
        "rank": "排名",
        "kind": "类型",
        "area": "面积",
        "components": "得分构成",
        "reasons_match": "说明",
        "score": "得分",
        "project": "项目位置",
        "overdue": "逾期",
        "floor_rows": "楼层\t单元\t面积(m²)\t可用日期\t租金(元/m²·月)",
    },
    "en": {
        "title": "Idle and inefficient land",
        "other": "other parcels",
        "buildings": "idle buildings",
        "vacant_area_m2": "vacant area (m²)",
        "total_floor_area_m2": "total floor area (m²)",
        "vacant_floors": "vacant floors",
        "state": "state",
        "address": "address",
        "reasons": "reasons",
        "disposal_state": "disposal state",
        "next_deadline": "next deadline",
        "rate": "disposal rate",
        "districts": "disposal rate by district",
        "no_rate": "no identified parcels",
        "identified": "identified",
        "disposed": "disposed",
        "search": "Find a parcel by code",
        "fullscreen": "Full screen",
        "candidates": "candidates",
        "rank": "rank",
        "kind": "kind",
        "area": "area",
        "components": "score components",
        "reasons_match": "notes",
        "score": "score",
        "project": "project location",
        "overdue": "overdue",
        "floor_rows": "floor\tunit\tarea (m²)\tavailable\trent (yuan/m²·month)",
    },
}


class MapBuilder:
    """Collects layers and writes one HTML map.

    ``basemap`` is osm, tianditu (with a key), gaode or none; for gaode every geometry is
    shifted to GCJ-02 for display (see ``domain/gcj02.py``). ``simplify_m`` is the
    display simplification in metres (0 keeps every vertex)."""

    def __init__(
        self,
        lang: str = "zh",
        basemap: str = "osm",
        tianditu_key: str | None = None,
        simplify_m: float = 0.5,
        title: str | None = None,
    ):
        if lang not in TEXT:
            raise ValueError(f"lang {lang}: zh or en")
        self.lang = lang
        self.t = TEXT[lang]
        self.bases = base_layers(basemap, lang, tianditu_key)
        self.gcj = basemap == "gaode"
        self.tolerance_deg = simplify_m / 111_320.0
        self.title = title or self.t["title"]
        self.tables: dict[str, dict] = {}
        self.layers: list[dict] = []
        self.legend: list[dict] = []
        self.extent: list[float] | None = None  # minx, miny, maxx, maxy

    # -- geometry ---------------------------------------------------------------------

    def _display(self, geoms: np.ndarray, simplify_: bool = True) -> np.ndarray:
        """Geometries as drawn: simplified, shifted to GCJ-02 for gaode; widens the
        extent the map fits."""
        geoms = np.asarray(geoms, dtype=object)
        if simplify_:
            geoms = simplify(geoms, self.tolerance_deg)
        if self.gcj:
            geoms = shapely.transform(geoms, _gcj_xy)
        present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
        if len(present):
            b = shapely.total_bounds(present)
            if self.extent is None:
                self.extent = list(b)
            else:
                e = self.extent
                self.extent = [min(e[0], b[0]), min(e[1], b[1]), max(e[2], b[2]), max(e[3], b[3])]
        return geoms

    # -- layers -----------------------------------------------------------------------

    def add_parcels(
        self,
        parcels: pd.DataFrame,
        dim: bool = False,
        show_other: bool = True,
        legend: bool = True,
    ) -> None:
        """One layer per category (fixed colours) and one of other parcels, searchable
        by code. ``parcels`` holds code, name, holder, district, park, area_mu, category,
        category_reasons (list of {text_zh, text_en}), geometry, and optionally
        disposal_state and next_deadline. ``dim`` draws them faint (under a choropleth)."""
        n = len(parcels)
        geom = encode_polygons(self._display(parcels["geometry"].to_numpy()))
        lang = self.lang
        category = parcels["category"].where(parcels["category"].isin(list(CATEGORY_COLORS)))
        reasons = [
            "\n".join(r.get(f"text_{lang}", "") for r in rs) if isinstance(rs, list) else None
            for rs in parcels.get("category_reasons", pd.Series([None] * n))
        ]
        cols = {
            "code": encode_codes(parcels["code"]),
            "name": encode_lines(_col(parcels, "name")),
            "holder": encode_column(_col(parcels, "holder")),
            "district": encode_column(_col(parcels, "district"), dictionary=True),
            "park": encode_column(_col(parcels, "park"), dictionary=True),
            "area_mu": encode_column(parcels["area_mu"].astype(float), digits=2),
            "category": encode_column(
                [category_label(c, lang) if isinstance(c, str) else None for c in category],
                dictionary=True,
            ),
            "reasons": encode_lines(reasons),
            "disposal_state": encode_column(
                [
                    wf.STATES[s][lang] if isinstance(s, str) else None
                    for s in _col(parcels, "disposal_state")
                ],
                dictionary=True,
            ),
            "next_deadline": encode_column(_col(parcels, "next_deadline")),
        }
        fields = [
            {"key": k, "label": field_label(k, lang)}
            for k in ("code", "name", "holder", "district", "park")
        ]
        fields += [
            {"key": "area_mu", "label": field_label("area_mu", lang)},
            {"key": "category", "label": field_label("category", lang)},
            {"key": "reasons", "label": self.t["reasons"], "list": True},
            {"key": "disposal_state", "label": self.t["disposal_state"]},
            {"key": "next_deadline", "label": self.t["next_deadline"]},
        ]
        self.tables["parcels"] = {
            "geom": geom,
            "cols": cols,
            "fields": fields,
            "tooltipKeys": ["code", "category"],
            "titleKey": "name",
        }
        items = []
        fill = 0.15 if dim else 0.6
        for cat, color in CATEGORY_COLORS.items():
            rows = np.flatnonzero((category == cat).to_numpy()).tolist()
            if not rows:
                continue
            name = category_label(cat, lang)
            self.layers.append(
                {
                    "table": "parcels",
                    "kind": "polygons",
                    "label": name,
                    "color": color,
                    "rows": rows,
                    "fillOpacity": fill,
                    "opacity": 0.35 if dim else 1,
                    "searchable": True,
                }
            )
            items.append({"label": name, "color": color, "count": len(rows)})
        rows = np.flatnonzero(category.isna().to_numpy()).tolist()
        if rows and show_other:
            self.layers.append(
                {
                    "table": "parcels",
                    "kind": "polygons",
                    "label": self.t["other"],
                    "color": OTHER_COLOR,
                    "rows": rows,
                    "fillOpacity": 0.1 if dim else 0.25,
                    "opacity": 0.35 if dim else 0.8,
                    "weight": 0.5,
                    "searchable": True,
                }
            )
            items.append({"label": self.t["other"], "color": OTHER_COLOR, "count": len(rows)})
        if legend and items:
            self.legend.append({"title": self.t["title"], "items": items})

    def add_buildings(self, buildings: pd.DataFrame) -> None:
        """Idle buildings as circles sized by vacant floor area, coloured by state;
        popups list the vacant floors. ``buildings`` holds code, name, address, park,
        state, total_floor_area_m2, vacant_area_m2, vacancies (list of dicts: floor,
        unit, vacant_area_m2, available_from, rent_yuan_m2_month) and geometry (points
        or footprints, drawn at their centre)."""
        if buildings.empty:
            return
        geoms = shapely.point_on_surface(buildings["geometry"].to_numpy())
        geoms = self._display(geoms, simplify_=False)
        vacant = buildings["vacant_area_m2"].fillna(0).astype(float).to_numpy()
        radius = np.clip(np.sqrt(vacant) / 6.0, 4, 28).round(1)
        floors = [
            "\n".join(
                [self.t["floor_rows"]]
                + [
                    "\t".join(_text(v.get(k)) for k in _VACANCY_KEYS)
                    for v in sorted(vs, key=lambda v: (v.get("floor") or 0, v.get("unit") or ""))
                ]
            )
            if vs
            else None
            for vs in buildings["vacancies"]
        ]
        states = {s: state_label(s, self.lang) for s in BUILDING_COLORS}
        self.tables["buildings"] = {
            "points": encode_points(shapely.get_x(geoms), shapely.get_y(geoms)),
            "radius": radius.tolist(),
            "cols": {
                "code": encode_column(buildings["code"], dictionary=False),
                "name": encode_column(_col(buildings, "name")),
                "address": encode_column(_col(buildings, "address")),
                "park": encode_column(_col(buildings, "park"), dictionary=True),
                "state": encode_column([states.get(s, s) for s in buildings["state"]]),
                "total_floor_area_m2": encode_column(
                    buildings["total_floor_area_m2"].astype(float), digits=0
                ),
                "vacant_area_m2": encode_column(vacant, digits=0),
                "vacancies": encode_column(floors, dictionary=False),
            },
            "fields": [
                {"key": "code", "label": field_label("code", self.lang)},
                {"key": "address", "label": self.t["address"]},
                {"key": "park", "label": field_label("park", self.lang)},
                {"key": "state", "label": self.t["state"]},
                {"key": "total_floor_area_m2", "label": self.t["total_floor_area_m2"]},
                {"key": "vacant_area_m2", "label": self.t["vacant_area_m2"]},
                {"key": "vacancies", "label": self.t["vacant_floors"], "rows": True},
            ],
            "tooltipKeys": ["name", "vacant_area_m2"],
            "titleKey": "name",
        }
        items = []
        for state, color in BUILDING_COLORS.items():
            rows = np.flatnonzero((buildings["state"] == state).to_numpy()).tolist()
            if rows:
                self.layers.append(
                    {
                        "table": "buildings",
                        "kind": "points",
                        "label": f"{self.t['buildings']}: {states[state]}",
                        "color": color,
                        "rows": rows,
                    }
                )
                items.append(
                    {"label": states[state], "color": color, "count": len(rows), "circle": True}
                )
        self.legend.append({"title": self.t["buildings"], "items": items})

    def add_districts(self, districts: pd.DataFrame) -> None:
        """A choropleth of the disposal rate: ``districts`` holds district, rate (0–1 or
        None), identified_count, disposed_count and geometry."""
        t = self.t
        rates = districts["rate"].astype(float).to_numpy()
        colors = [_rate_color(r) for r in rates]
        pct = [f"{r:.0%}" if not math.isnan(r) else t["no_rate"] for r in rates]
        self.tables["districts"] = {
            "geom": encode_polygons(self._display(districts["geometry"].to_numpy())),
            "cols": {
                "district": encode_column(districts["district"], dictionary=False),
                "rate": encode_column(pct, dictionary=False),
                "identified": encode_column(districts["identified_count"].astype(int)),
                "disposed": encode_column(districts["disposed_count"].astype(int)),
            },
            "fields": [
                {"key": "district", "label": field_label("district", self.lang)},
                {"key": "rate", "label": t["rate"]},
                {"key": "identified", "label": t["identified"]},
                {"key": "disposed", "label": t["disposed"]},
            ],
            "tooltipKeys": ["district", "rate"],
            "titleKey": "district",
        }
        for color in dict.fromkeys(colors):
            rows = [i for i, c in enumerate(colors) if c == color]
            self.layers.append(
                {
                    "table": "districts",
                    "kind": "polygons",
                    "label": f"{t['rate']} {_rate_range(color)}"
                    if color != NO_RATE_COLOR
                    else t["no_rate"],
                    "color": color,
                    "stroke": "#333",
                    "weight": 1.5,
                    "rows": rows,
                    "fillOpacity": 0.65,
                    "control": False,
                }
            )
        items = [
            {"label": _rate_range(c), "color": c, "count": colors.count(c) or None}
            for c in RATE_COLORS
        ]
        if NO_RATE_COLOR in colors:
            items.append({"label": t["no_rate"], "color": NO_RATE_COLOR})
        self.legend.insert(0, {"title": t["districts"], "items": items})

    def add_candidates(self, candidates: list[dict]) -> None:
        """Ranked match candidates, drawn as shapes labelled 1..N (floor space at its
        building). Each dict holds rank, kind, codes, area_mu or area_m2, score,
        components, reasons and geometry (EPSG:4490; points are drawn as small squares)."""
        if not candidates:
            return
        geoms = np.array([c["geometry"] for c in candidates], dtype=object)
        pointy = shapely.get_type_id(geoms) == 0
        geoms[pointy] = shapely.buffer(geoms[pointy], 25 / 111_320.0, cap_style="square")
        lang, t = self.lang, self.t
        area = [
            f"{c['area_mu']:.1f} {'亩' if lang == 'zh' else 'mu'}"
            if "area_mu" in c
            else f"{c['area_m2']:,.0f} m²"
            for c in candidates
        ]
        comps = [
            "\n".join(
                f"{COMPONENTS.get(k, {}).get(lang, k)}: {v:.2f}"
                for k, v in c["components"].items()
                if v is not None
            )
            for c in candidates
        ]
        self.tables["candidates"] = {
            "geom": encode_polygons(self._display(geoms, simplify_=False)),
            "cols": {
                "code": encode_column(["、".join(c["codes"]) for c in candidates]),
                "rank": encode_column([str(c["rank"]) for c in candidates]),
                "kind": encode_column([KINDS[c["kind"]][lang] for c in candidates]),
                "area": encode_column(area),
                "score": encode_column([c["score"] for c in candidates], digits=1),
                "components": encode_column(comps),
                "reasons": encode_column(["\n".join(c["reasons"]) for c in candidates]),
            },
            "fields": [
                {"key": "rank", "label": t["rank"]},
                {"key": "code", "label": field_label("code", lang)},
                {"key": "kind", "label": t["kind"]},
                {"key": "area", "label": t["area"]},
                {"key": "score", "label": t["score"]},
                {"key": "components", "label": t["components"], "list": True},
                {"key": "reasons", "label": t["reasons_match"], "list": True},
            ],
            "tooltipKeys": ["rank", "code", "score"],
            "titleKey": "kind",
        }
        rows = list(range(len(candidates)))
        label = t["candidates"]
        self.layers.append(
            {
                "table": "candidates",
                "kind": "polygons",
                "label": label,
                "color": CANDIDATE_COLOR,
                "rows": rows,
                "fillOpacity": 0.45,
                "weight": 2.5,
                "searchable": False,
            }
        )
        self.layers.append(
            {
                "table": "candidates",
                "kind": "labels",
                "of": label,
                "label": t["rank"],
                "rows": rows,
                "labels": [str(c["rank"]) for c in candidates],
                "control": False,
            }
        )
        self.legend.append(
            {
                "title": label,
                "items": [{"label": label, "color": CANDIDATE_COLOR, "count": len(rows)}],
            }
        )

    def fit(self, geometry) -> None:
        """Fits the map to ``geometry`` (degrees, EPSG:4490) instead of all the data."""
        g = np.array([geometry], dtype=object)
        if self.gcj:
            g = shapely.transform(g, _gcj_xy)
        self.extent = list(shapely.total_bounds(g))

    def add_marker(self, lon: float, lat: float, label: str) -> None:
        """A pinned point (a project's location) with a permanent label."""
        x, y = np.array([lon]), np.array([lat])
        if self.gcj:
            x, y = wgs84_to_gcj02(x, y)
        self.layers.append(
            {
                "kind": "marker",
                "label": label,
                "points": [{"x": round(x[0] * 1e6), "y": round(y[0] * 1e6), "label": label}],
            }
        )

    # -- output -----------------------------------------------------------------------

    def config(self) -> dict:
        """The data and settings the runtime draws."""
        bounds = None
        if self.extent is not None:
            minx, miny, maxx, maxy = self.extent
            bounds = [[miny, minx], [maxy, maxx]]
        return {
            "tables": self.tables,
            "layers": self.layers,
            "bases": self.bases,
            "legend": self.legend,
            "labels": {"search": self.t["search"], "fullscreen": self.t["fullscreen"]},
            "search": "parcels" in self.tables,
            "bounds": bounds,
        }

    def html(self, path: Path | None = None, assets_dir: Path | None = None) -> str:
        """The map as one HTML document (assets inline unless ``assets_dir``)."""
        fmap = folium.Map(
            location=[35.0, 117.5],
            zoom_start=11,
            tiles=None,
            control_scale=True,
            prefer_canvas=True,
        )
        # folium links Leaflet, jQuery and Bootstrap from CDNs: none of them here
        fmap.default_js = []
        fmap.default_css = []
        fmap.add_child(_Render())
        page = fmap.get_root().render()
        data = json.dumps(self.config(), ensure_ascii=False, separators=(",", ":"))
        data = data.replace("</", "<\\/")  # a "</script>" in a name cannot end the data
        # assets and data go in after rendering: folium's templates never parse them
        head = f"<title>{_esc(self.title)}</title>\n{assets.head_html(path, assets_dir)}\n"
        page = page.replace("</head>", head + "</head>", 1)
        body = f'<script id="lb-data" type="application/json">{data}</script>\n'
        return page.replace("<body>", "<body>\n" + body, 1)

    def save(self, path: str | os.PathLike, assets_dir: str | os.PathLike | None = None) -> Path:
        """Writes the map to ``path`` atomically (a half-written map is never left) and
        returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.html(path, Path(assets_dir) if assets_dir else None)
        with atomic_path(path, ".html.tmp") as tmp:  # the umask's mode, not mkstemp's 0600
            tmp.write_text(text, encoding="utf-8")
        return path


class _Render(MacroElement):
    """Calls the runtime once the folium map exists (its script follows the map's)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "LandbankMap.render({{ this._parent.get_name() }}, "
        "document.getElementById('lb-data').textContent);"
        "{% endmacro %}"
    )


_VACANCY_KEYS = ("floor", "unit", "vacant_area_m2", "available_from", "rent_yuan_m2_month")


def _gcj_xy(xy: np.ndarray) -> np.ndarray:
    x, y = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rate_color(rate: float) -> str:
    if rate is None or math.isnan(rate):
        return NO_RATE_COLOR
    return RATE_COLORS[int(np.searchsorted(RATE_BINS, rate, side="right"))]


def _rate_range(color: str) -> str:
    k = RATE_COLORS.index(color)
    lo = 0.0 if k == 0 else RATE_BINS[k - 1]
    hi = 1.0 if k == len(RATE_BINS) else RATE_BINS[k]
    return f"{lo:.0%}–{hi:.0%}"


__all__ = ["MapBuilder", "CATEGORY_COLORS", "CATEGORIES"]
