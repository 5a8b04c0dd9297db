"""The command line of parcels: ``import parcels``, ``export`` and
``parcels list|show|set|split|history``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import (
    BasemapOpt,
    DefaultOpt,
    JsonOpt,
    KeyOpt,
    QuietOpt,
    app,
    err,
    handled,
    import_app,
    os_user,
    out,
    parcels_app,
    print_json,
    progress_bar,
    state,
)
from landbank.domain.categories import category_label


@import_app.command("parcels")
@handled
def import_parcels_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="GeoPackage, GeoJSON, Shapefile, FlatGeobuf, or CSV/.xlsx with a wkt column."
        ),
    ],
    layer: Annotated[str | None, typer.Option(help="Layer (GeoPackage) or sheet (.xlsx).")] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="CRS of the coordinates where the file has "
            "none (or a wrong one), e.g. 4490 or EPSG:4527."
        ),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="CANONICAL=SOURCE column mapping; repeatable."),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML file with a [fields] table.")] = None,
    default: DefaultOpt = None,
    repair: Annotated[bool, typer.Option(help="Repair invalid geometries (make_valid).")] = False,
    dissolve_duplicates: Annotated[
        bool, typer.Option(help="One parcel per code: union the polygons that share a code.")
    ] = False,
    swap_xy: Annotated[bool, typer.Option(help="The file has X and Y swapped.")] = False,
    skip_uncoded: Annotated[
        bool,
        typer.Option(
            help="Leave out rows without a code (roads, blanks) instead of refusing the file."
        ),
    ] = False,
    accept_short: Annotated[
        bool,
        typer.Option(
            help="Boundary TXT: import a parcel with fewer points than its line declares "
            "even when its area is more than 5 % off the stated area."
        ),
    ] = False,
    upsert: Annotated[bool, typer.Option(help="Update parcels already stored.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Check and report; write nothing.")] = False,
    by: Annotated[str | None, typer.Option(help="Who imports (default: the OS user).")] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Import parcels: checked, measured in mu, stored in EPSG:4490, in one transaction."""
    from landbank.services.import_parcels import import_parcels, read_options

    opts = read_options(
        layer=layer,
        crs=crs,
        fields=field,
        mapping=mapping,
        profile=profile,
        repair=repair,
        dissolve_duplicates=dissolve_duplicates,
        skip_uncoded=skip_uncoded,
        swap_xy=swap_xy,
        defaults=default,
        accept_short=accept_short,
    )
    with progress_bar(not (as_json or quiet)) as progress:
        summary = import_parcels(
            state.store(),
            file,
            opts,
            upsert=upsert,
            dry_run=dry_run,
            by=by or os_user(),
            progress=progress,
        )
    if as_json:
        print_json(summary.to_dict())
        return
    if dry_run:
        _print_dry_run(summary.parcels)
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{summary.file} ({summary.source_crs}): {summary.rows} parcels read, "
        f"{verb} {summary.imported}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}"
    )
    table = Table("district 行政区", "parcels", "area mu", title="by district")
    for row in summary.by_district:
        table.add_row(row["district"] or "—", str(row["count"]), f"{row['area_mu']:.2f}")
    out.print(table)
    for w in summary.warnings:
        err.print(f"warning: {w}", markup=False, highlight=False)
    if summary.ignored_columns:
        err.print(
            "note: columns not imported: " + ", ".join(summary.ignored_columns),
            markup=False,
            highlight=False,
        )


def _print_dry_run(parcels: list[dict], limit: int = 200) -> None:
    table = Table(
        "code", "name", "area mu", "recorded mu", "zone", "source EPSG", title="would import"
    )
    for p in parcels[:limit]:
        recorded = "" if p["recorded_area_mu"] is None else f"{p['recorded_area_mu']:.2f}"
        table.add_row(
            p["code"],
            p["name"] or "",
            f"{p['area_mu']:.2f}",
            recorded,
            str(p["zone"]),
            str(p["source_epsg"] or ""),
        )
    out.print(table)
    if len(parcels) > limit:
        out.print(f"… and {len(parcels) - limit} more (--json lists them all)")


@app.command()
@handled
def export(
    file: Annotated[
        Path,
        typer.Argument(
            help="Output; format from the suffix: .gpkg .geojson .shp .fgb .csv .xlsx, or "
            ".txt for a boundary coordinate file (勘测定界)"
        ),
    ],
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    codes: Annotated[str | None, typer.Option(help="Only these codes, comma-separated.")] = None,
    zone: Annotated[
        int | None, typer.Option(help=".txt: write on this 3° zone (default: each parcel's).")
    ] = None,
    encoding: Annotated[str, typer.Option(help=".txt: gbk (default) or utf-8.")] = "gbk",
    as_json: JsonOpt = False,
) -> None:
    """Export the parcels to a file."""
    from landbank.services.export import export_parcels

    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    result = export_parcels(
        state.store(),
        file,
        category=category,
        codes=code_list,
        lang=state.lang,
        zone=zone,
        encoding=encoding,
    )
    if as_json:
        print_json(result)
        return
    for f in result["files"]:
        where = f" (zone {f['zone']})" if f["zone"] is not None else ""
        out.print(f"wrote {f['count']} parcels to {f['file']}{where}")
    if len(result["files"]) > 1:
        out.print("the parcels span several Gauss-Krüger zones: one file per zone")


@parcels_app.command("list")
@handled
def parcels_list(
    category: Annotated[str | None, typer.Option(help="Only this category id.")] = None,
    district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List parcels: code, name, district, park, land use, area (mu), category."""
    from landbank.services.parcels import list_parcels

    items = list_parcels(state.store(), category=category, district=district)
    if as_json:
        print_json(items)
        return
    table = Table("code", "name", "district", "park", "land use", "area mu", "category")
    for p in items:
        table.add_row(
            p["code"],
            p["name"] or "",
            p["district"] or "",
            p["park"] or "",
            p["land_use"] or "",
            f"{p['area_mu']:.2f}",
            category_label(p["category"], state.lang) + (" *" if p["category_is_override"] else ""),
        )
    out.print(table)
    out.print(f"{len(items)} parcels, {sum(p['area_mu'] for p in items):.2f} mu")


@parcels_app.command("show")
@handled
def parcels_show(
    code: Annotated[str, typer.Argument(help="Parcel code (地块编号).")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The parcel as the database knew it then (YYYY-MM-DD: the end of that "
            "day, or YYYY-MM-DDTHH:MM), China Standard Time unless an offset is given.",
        ),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Also write a map of the parcel (HTML).")
    ] = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every stored field of one parcel, its category, flags and reasons."""
    from landbank.domain.fields import label
    from landbank.services.parcels import parse_moment, show_as_of, show_parcel

    record = (
        show_as_of(state.store(), code, parse_moment(as_of))
        if as_of
        else show_parcel(state.store(), code)
    )
    if map_file is not None:
        from landbank.services.parcel_maps import parcel_map

        written = parcel_map(state.store(), code, map_file, basemap, tianditu_key, state.lang)
        err.print(f"map: {written['file']}", markup=False, highlight=False)
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        if key in ("reasons", "category_reasons"):
            value = "\n".join(r.get(f"text_{state.lang}", "") for r in value or [])
        elif key == "category":
            value = f"{category_label(value, state.lang)} ({value})" + (
                " [override]" if record.get("category_is_override") else ""
            )
        table.add_row(
            f"{label(key, state.lang)} ({key})" if label(key, state.lang) != key else key,
            "" if value is None else str(value),
        )
    out.print(table)


@parcels_app.command("set")
@handled
def parcels_set(
    code: Annotated[str, typer.Argument(help="Parcel code (地块编号).")],
    assignments: Annotated[
        list[str],
        typer.Argument(
            help="FIELD=VALUE pairs, e.g. started_on=2025-03-01; category=ID overrides the "
            "derived category (category=none clears it)."
        ),
    ],
    by: Annotated[str, typer.Option(help="Who makes the change.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the history).")],
    expect_version: Annotated[
        int | None,
        typer.Option(help="Refuse the change unless the parcel is still at this version."),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Re-classify as of this date (default today; a change of name, holder or "
            "district alone keeps the category).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Update fields of a parcel, re-classify it, keep every change in its history."""
    from landbank.services.classify import parse_as_of
    from landbank.services.parcels import parse_assignments, set_fields

    result = set_fields(
        state.store(),
        code,
        parse_assignments(assignments),
        by=by,
        reason=reason,
        expect_version=expect_version,
        profile=profile,
        as_of=parse_as_of(as_of) if as_of is not None else None,
    )
    if as_json:
        print_json(result)
    elif not result["changed"]:
        out.print(f"{code}: nothing changed (version {result['version']})")
    else:
        out.print(
            f"{code}: {', '.join(result['changed'])} changed; now version "
            f"{result['version']}, {category_label(result['category'], state.lang)}"
        )


@parcels_app.command("split")
@handled
def parcels_split(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    by: Annotated[str, typer.Option(help="Who splits it.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the history).")],
    area_mu: Annotated[
        float | None, typer.Option(help="Cut this many mu off along the parcel's long axis.")
    ] = None,
    geometry: Annotated[
        Path | None, typer.Option(help="A file whose polygon marks the first piece.")
    ] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Split a parcel in two (CODE-1, CODE-2) for a partial disposal; the pieces are
    classified, the parent retires."""
    from landbank.services.split import split_parcel

    result = split_parcel(
        state.store(), code, by, reason, area_mu_first=area_mu, geometry=geometry, profile=profile
    )
    if as_json:
        print_json(result)
        return
    parts = ", ".join(f"{c['code']} ({c['area_mu']:.2f} mu)" for c in result["children"])
    out.print(f"{code} split into {parts}; {code} retired")


@parcels_app.command("history")
@handled
def parcels_history(
    code: Annotated[str, typer.Argument(help="Parcel code (地块编号).")],
    as_json: JsonOpt = False,
) -> None:
    """Every change of a parcel: field, old, new, by, at, reason."""
    from landbank.services.parcels import history

    events = history(state.store(), code)
    if as_json:
        print_json(events)
        return
    table = Table("at", "field", "old", "new", "by", "reason")
    for e in events:
        table.add_row(
            e["at"][:19],
            e["field"],
            e["old_value"] or "",
            e["new_value"] or "",
            e["by"],
            e["reason"] or "",
        )
    out.print(table)
