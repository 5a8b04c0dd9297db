"""The tiled map drawn by MapLibre GL: what its runtime (``landbank-tiles.js``) is told
(colours by category as the folium maps have them, by disposal status, the legend and
popup labels in zh or en, where the tiles are) and the offline viewer page written
beside a .pmtiles archive, with MapLibre and the pmtiles protocol copied in.

MapLibre and pmtiles are vendored from npm into ``landbank/web/static/vendor``
(``scripts/vendor_js.sh``): no page loads anything from the internet, and no base map
is drawn (a plain background)."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from landbank.domain import disposal as wf
from landbank.domain.buildings import BUILDING_TYPES, building_type_label
from landbank.domain.categories import CATEGORIES, UNCLASSIFIED, category_label
from landbank.domain.fields import label as field_label
from landbank.io.files import atomic_path
from landbank.maps.builder import CATEGORY_COLORS, OTHER_COLOR, TEXT

# the disposal's progress: from first suspicion (warm) to done (blue), ended ones grey
DISPOSAL_COLORS = {
    "suspected": "#E69F00",
    "investigating": "#D55E00",
    "determined": "#CC79A7",
    "plan_approved": "#56B4E9",
    "disposing": "#0072B2",
    "disposed": "#009E73",
    "closed": "#616161",
    "dismissed": "#BBBBBB",
}
BUILDING_COLOR = "#F0E442"
# what the viewer loads, in order: (file in web/static, name beside the page)
ASSETS = (
    ("vendor/maplibre-gl/maplibre-gl.css", "maplibre-gl.css"),
    ("landbank-tiles.css", "landbank-tiles.css"),
    ("vendor/maplibre-gl/maplibre-gl.js", "maplibre-gl.js"),
    ("vendor/pmtiles/pmtiles.js", "pmtiles.js"),
    ("landbank-tiles.js", "landbank-tiles.js"),
)
LICENSES = (
    ("vendor/maplibre-gl/LICENSE.txt", "LICENSE-maplibre-gl.txt"),
    ("vendor/pmtiles/LICENSE.txt", "LICENSE-pmtiles.txt"),
)
WORDS = {
    "zh": {
        "by": "着色",
        "by_category": "按类别",
        "by_disposal": "按处置状态",
        "no_disposal": "无处置",
        "buildings": "楼宇",
        "disposal": "处置状态",
        "building_type": "楼宇类型",
        "open": "打开地块页",
        "zoom_in": "放大后显示小地块",
        "zoom_details": "放大查看详情",
    },
    "en": {
        "by": "Colour",
        "by_category": "by category",
        "by_disposal": "by disposal status",
        "no_disposal": "no disposal",
        "buildings": "buildings",
        "disposal": "disposal status",
        "building_type": "building type",
        "open": "open the parcel's page",
        "zoom_in": "zoom in for small parcels",
        "zoom_details": "zoom in for details",
    },
}


def _static(name: str) -> Path:
    return Path(str(resources.files("landbank.web").joinpath("static", name)))


def config(
    lang: str,
    bounds: list[float] | None,
    sources: dict,
    parcel_link: str | None = None,
    title: str | None = None,
) -> dict:
    """What the runtime draws: ``sources`` (MapLibre vector sources by layer name, or
    one "archive" source holding both layers), the colours and legend of both
    colourings, the popup's field labels, the bounds to fit and, on the service, the
    parcel page's address (``{code}`` in it)."""
    w, t = WORDS[lang], TEXT[lang]
    categories = [
        {"value": c, "label": category_label(c, lang), "color": CATEGORY_COLORS[c]}
        for c in (*CATEGORIES, UNCLASSIFIED)
        if c in CATEGORY_COLORS
    ]
    disposal = [
        {"value": s, "label": wf.STATES[s][lang], "color": color}
        for s, color in DISPOSAL_COLORS.items()
    ]
    fields = {k: field_label(k, lang) for k in ("code", "name", "district", "park", "area_mu")}
    fields |= {"category": field_label("category", lang), "disposal": w["disposal"]}
    return {
        "title": title or t["title"],
        "lang": lang,
        "bounds": bounds,
        "sources": sources,
        "categories": categories,
        "other": {"label": t["other"], "color": OTHER_COLOR},
        "disposal": disposal,
        "noDisposal": {"label": w["no_disposal"], "color": OTHER_COLOR},
        "buildingColor": BUILDING_COLOR,
        "fields": fields,
        "buildingFields": {
            "code": field_label("code", lang),
            "name": field_label("name", lang),
            "park": field_label("park", lang),
            "building_type": w["building_type"],
        },
        "buildingTypes": {k: building_type_label(k, lang) for k in BUILDING_TYPES},
        "words": {**w, "title": t["title"]},
        "parcelLink": parcel_link,
    }


def archive_metadata(layers: dict, lang: str) -> dict:
    """The archive's metadata: its name and each vector layer's fields."""
    return {
        "name": TEXT[lang]["title"],
        "attribution": "landbank",
        "vector_layers": [
            {"id": lay.id, "description": lay.description, "fields": lay.fields}
            for lay in layers.values()
        ],
    }


def page_html(cfg: dict, asset_urls: list[str], config_id: str = "lb-tiles") -> str:
    """A page that draws ``cfg`` full-window: the assets linked in order (stylesheets
    and scripts), the settings as JSON data (not a script: a strict policy holds)."""
    data = json.dumps(cfg, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    head = [
        f'<link rel="stylesheet" href="{u}">'
        if u.endswith(".css")
        else f'<script src="{u}"></script>'
        for u in asset_urls
    ]
    lang = "zh-CN" if cfg["lang"] == "zh" else "en"
    title = cfg["title"].replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{title}</title>\n<link rel="icon" href="data:,">\n'
        + "\n".join(head)
        + f'\n</head>\n<body class="lb-tiles">\n<div id="map"></div>\n'
        f'<script id="{config_id}" type="application/json">{data}</script>\n</body>\n</html>\n'
    )


def write_viewer(
    folder: Path, archive: str, bounds: list[float], zooms: tuple[int, int], lang: str
) -> Path:
    """Writes ``folder``/index.html, the viewer of the archive ``archive`` beside it,
    with the scripts, styles and licences it loads copied in; returns the page's path."""
    for source, name in (*ASSETS, *LICENSES):
        shutil.copyfile(_static(source), folder / name)
    sources = {"archive": {"url": f"pmtiles://{archive}", "minzoom": zooms[0], "maxzoom": zooms[1]}}
    html = page_html(config(lang, bounds, sources), [name for _, name in ASSETS])
    page = folder / "index.html"
    with atomic_path(page, ".html.tmp") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return page


def service_assets() -> list[str]:
    """The addresses of the assets as ``landbank serve`` serves them."""
    return [f"/static/web/{source}" for source, _ in ASSETS]
