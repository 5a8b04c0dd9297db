"""The scripts and styles a map needs, read from installed packages at build time.

Leaflet comes from the XStatic-Leaflet package on PyPI; landbank's own runtime
(``static/landbank-map.js``, ``.css``) ships with landbank. Nothing is fetched from
the internet: a map either carries them inline or links copies written beside it.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from importlib import resources
from pathlib import Path

import xstatic.pkg.leaflet as _leaflet

LEAFLET_VERSION = _leaflet.VERSION
_LEAFLET_DIR = Path(_leaflet.BASE_DIR)


def _runtime(name: str) -> str:
    return resources.files("landbank.maps").joinpath("static", name).read_text("utf-8")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images (layer control, markers) as data URIs."""
    css = (_LEAFLET_DIR / "leaflet.css").read_text("utf-8")
    return re.sub(
        r"url\((['\"]?)images/([\w.-]+\.png)\1\)",
        lambda m: f"url({_data_uri(_LEAFLET_DIR / 'images' / m.group(2))})",
        css,
    )


@functools.cache
def scripts() -> dict[str, str]:
    """Returns ``{file name: source}`` of every script a map loads, in load order."""
    return {
        "leaflet.js": (_LEAFLET_DIR / "leaflet.js").read_text("utf-8"),
        "landbank-map.js": _runtime("landbank-map.js"),
    }


@functools.cache
def styles() -> dict[str, str]:
    """Returns ``{file name: source}`` of every stylesheet a map loads."""
    return {"leaflet.css": leaflet_css(), "landbank-map.css": _runtime("landbank-map.css")}


def _inline_script(source: str) -> str:
    # a literal "</script" inside the code would end the element early
    return "<script>" + source.replace("</script", "<\\/script") + "</script>"


def head_html(html_path: Path | None = None, assets_dir: Path | None = None) -> str:
    """The ``<head>`` markup that loads Leaflet and landbank's runtime.

    Inline by default. With ``assets_dir``, the files are written there and linked by a
    path relative to ``html_path`` (for several maps sharing one copy)."""
    if assets_dir is None:
        return "\n".join(
            [f"<style>{css}</style>" for css in styles().values()]
            + [_inline_script(js) for js in scripts().values()]
        )
    assets_dir.mkdir(parents=True, exist_ok=True)
    for name, text in {**styles(), **scripts()}.items():
        (assets_dir / name).write_text(text, "utf-8")
    base = Path(os.path.relpath(assets_dir, (html_path or Path("x")).resolve().parent))
    links = [f'<link rel="stylesheet" href="{(base / n).as_posix()}">' for n in styles()]
    links += [f'<script src="{(base / n).as_posix()}"></script>' for n in scripts()]
    return "\n".join(links)
