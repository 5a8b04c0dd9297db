"""Base maps: the only remote resource a map may load, and none with ``none``."""

from __future__ import annotations

import os

from landbank.errors import InputError

BASEMAPS = ("osm", "tianditu", "gaode", "none")
KEY_ENV = "LANDBANK_TIANDITU_KEY"

_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTR = "&copy; OpenStreetMap contributors"
# Tianditu WMTS in Web Mercator (``_w``); a base layer and its label layer
_TDT = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
_TDT_ATTR = "&copy; 天地图 Tianditu"
_GAODE = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
_GAODE_SAT = "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}"
_GAODE_ATTR = "&copy; 高德地图 AutoNavi (GCJ-02)"

_LABELS = {
    "osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "tdt_vec": {"zh": "天地图 矢量", "en": "Tianditu map"},
    "tdt_img": {"zh": "天地图 影像", "en": "Tianditu imagery"},
    "gaode": {"zh": "高德 地图", "en": "Gaode map"},
    "gaode_sat": {"zh": "高德 影像", "en": "Gaode imagery"},
}


def _tile(url: str, attribution: str, subdomains: str = "abc", max_zoom: int = 19) -> dict:
    return {"url": url, "attribution": attribution, "subdomains": subdomains, "maxZoom": max_zoom}


def _tianditu(layer: str, key: str) -> dict:
    return _tile(
        (_TDT % key).replace("{layer}", layer), _TDT_ATTR, subdomains="01234567", max_zoom=18
    )


def base_layers(basemap: str, lang: str = "zh", tianditu_key: str | None = None) -> list[dict]:
    """Returns the base layers for ``basemap``: ``[{"label", "tiles": [tile, ...]}]``, the
    first shown. Tianditu needs a key (``--tianditu-key`` or $LANDBANK_TIANDITU_KEY)."""
    if basemap not in BASEMAPS:
        raise InputError(f"--basemap {basemap}: use one of {', '.join(BASEMAPS)}")
    if basemap == "none":
        return []
    if basemap == "osm":
        return [{"label": _LABELS["osm"][lang], "tiles": [_tile(_OSM, _OSM_ATTR)]}]
    if basemap == "gaode":
        return [
            {"label": _LABELS["gaode"][lang], "tiles": [_tile(_GAODE, _GAODE_ATTR, "1234", 18)]},
            {
                "label": _LABELS["gaode_sat"][lang],
                "tiles": [_tile(_GAODE_SAT, _GAODE_ATTR, "1234", 18)],
            },
        ]
    key = tianditu_key or os.environ.get(KEY_ENV)
    if not key:
        raise InputError(
            f"--basemap tianditu needs a key: pass --tianditu-key KEY or set {KEY_ENV} "
            "(a free key from the Tianditu developer console)"
        )
    return [
        {
            "label": _LABELS["tdt_vec"][lang],
            "tiles": [_tianditu("vec", key), _tianditu("cva", key)],
        },
        {
            "label": _LABELS["tdt_img"][lang],
            "tiles": [_tianditu("img", key), _tianditu("cia", key)],
        },
    ]
