"""The command line of web maps: ``map``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landbank.cli.shell import (
    BasemapOpt,
    JsonOpt,
    KeyOpt,
    app,
    handled,
    out,
    print_json,
    state,
)
from landbank.errors import InputError as LandbankInput


@app.command("map")
@handled
def map_(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="HTML file (default maps/idle_land.html; maps/disposal_progress.html "
            "with --progress).",
        ),
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Only this category (repeatable).")
    ] = None,
    district: Annotated[list[str] | None, typer.Option(help="Only this district (repeatable).")] = (
        None
    ),
    basemap: BasemapOpt = "osm",
    tianditu_key: KeyOpt = None,
    lang: Annotated[str | None, typer.Option(help="zh or en (default: the global --lang).")] = None,
    progress: Annotated[
        bool, typer.Option("--progress", help="Districts coloured by disposal rate.")
    ] = False,
    grades: Annotated[
        bool,
        typer.Option("--grades", help="Parcels coloured by their enterprise's per-mu grade."),
    ] = False,
    year: Annotated[
        int | None,
        typer.Option(help="With --grades: the evaluation of this year (default: the latest)."),
    ] = None,
    assets_dir: Annotated[
        Path | None,
        typer.Option(help="Write Leaflet and the map scripts here and link them, not inline."),
    ] = None,
    simplify_m: Annotated[
        float, typer.Option(help="Display simplification in metres (0: every vertex).")
    ] = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Write a web map (one HTML file, works offline) of idle land, disposal progress
    or the enterprises' per-mu grades."""
    from landbank.services.parcel_maps import idle_land_map

    if lang not in (None, "zh", "en"):
        raise LandbankInput(f"--lang {lang}: use zh or en")
    if not 0 <= simplify_m <= 50:
        raise LandbankInput("--simplify-m must be 0 to 50 metres")
    if grades or year is not None:
        _grades(out_file, year, category, district, progress, basemap, tianditu_key,
                lang or state.lang, assets_dir, simplify_m, as_json)  # fmt: skip
        return
    result = idle_land_map(
        state.store(),
        out_file,
        category or None,
        district or None,
        basemap,
        tianditu_key,
        lang or state.lang,
        progress,
        assets_dir,
        simplify_m,
    )
    if as_json:
        print_json(result)
        return
    out.print(
        f"map: {result['file']} ({result['parcels']} parcels, "
        f"{result['buildings']} buildings, {result['bytes'] / 1e6:.1f} MB)",
        markup=False,
        highlight=False,
    )


def _grades(out_file, year, category, district, progress, basemap, key, lang, assets_dir,
            simplify_m, as_json) -> None:  # fmt: skip
    """``landbank map --grades``: parcels coloured by their enterprise's grade."""
    from landbank.services.grade_maps import grade_map

    if category or progress:
        raise LandbankInput("--grades draws every category: drop --category and --progress")
    result = grade_map(
        state.store(), out_file, year, district or None, basemap, key, lang, assets_dir,
        simplify_m,
    )  # fmt: skip
    if as_json:
        print_json(result)
        return
    counts = ", ".join(f"{k} {v}" for k, v in result["layers"].items())
    out.print(
        f"map: {result['file']} (grades of {result['year']}: {counts}; "
        f"{result['bytes'] / 1e6:.1f} MB)",
        markup=False,
        highlight=False,
    )
