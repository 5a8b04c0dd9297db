"""The command line of idle buildings: ``import buildings``, ``import vacancies``,
``buildings list`` and ``buildings show``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import (
    DefaultOpt,
    JsonOpt,
    app,
    err,
    handled,
    import_app,
    out,
    print_json,
    state,
)
from landbank.domain.buildings import building_type_label, state_label

buildings_app = typer.Typer(no_args_is_help=True, help="List and show idle buildings (楼宇).")
app.add_typer(buildings_app, name="buildings")

LayerOpt = Annotated[
    str | None,
    typer.Option(
        "--layer",
        "--sheet",
        help="Layer (GeoPackage) or sheet (.xlsx); default: the sheet named 楼宇 / 空置楼层 "
        "if there is one, else the first.",
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", help="CANONICAL=SOURCE column mapping; repeatable."),
]
MappingOpt = Annotated[Path | None, typer.Option(help="TOML file with a \\[fields] table.")]
DryRunOpt = Annotated[bool, typer.Option(help="Check and report; write nothing.")]


def _notes(summary: dict) -> None:
    for w in summary.get("warnings", []):
        err.print(f"warning: {w}", markup=False, highlight=False)
    if summary.get("ignored_columns"):
        err.print(
            "note: columns not imported: " + ", ".join(summary["ignored_columns"]),
            markup=False,
            highlight=False,
        )


@import_app.command("buildings")
@handled
def import_buildings_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="Points or footprints: GeoPackage, GeoJSON, Shapefile, ..., or .csv / .xlsx "
            "with lon and lat columns (经度, 纬度) or a wkt column."
        ),
    ],
    layer: LayerOpt = None,
    crs: Annotated[
        str | None,
        typer.Option(help="CRS of the coordinates where the file has none, e.g. 4490."),
    ] = None,
    field: FieldOpt = None,
    mapping: MappingOpt = None,
    default: DefaultOpt = None,
    repair: Annotated[bool, typer.Option(help="Repair invalid footprints (make_valid).")] = False,
    upsert: Annotated[
        bool, typer.Option(help="Update buildings already stored (their vacancies stay).")
    ] = False,
    dry_run: DryRunOpt = False,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import idle buildings (楼宇 / 标准厂房), stored in EPSG:4490, in one transaction."""
    from landbank.io.columns import parse_default_options
    from landbank.services.import_buildings import field_options, import_buildings

    summary = import_buildings(
        state.store(),
        file,
        layer=layer,
        crs=crs,
        fields=field_options(field, mapping),
        defaults=parse_default_options(default or []),
        repair=repair,
        profile=profile,
        upsert=upsert,
        dry_run=dry_run,
    )
    if as_json:
        print_json(summary)
        return
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{summary['file']} ({summary['source_crs']}): {summary['rows']} buildings read, "
        f"{verb} {summary['imported']}, updated {summary['updated']}, "
        f"unchanged {summary['unchanged']}"
    )
    _notes(summary)


@import_app.command("vacancies")
@handled
def import_vacancies_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help=".csv / .xlsx, one row per vacant floor or unit: building_code, floor, unit, "
            "vacant_area_m2, available_from, rent_yuan_m2_month."
        ),
    ],
    layer: LayerOpt = None,
    field: FieldOpt = None,
    mapping: MappingOpt = None,
    default: DefaultOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import vacant floor space. Replaces ALL stored vacancies of each building the file
    names (buildings it does not name keep theirs); a row with vacant area 0 clears its
    building. The buildings must be imported first."""
    from landbank.io.columns import parse_default_options
    from landbank.services.import_buildings import field_options, import_vacancies

    summary = import_vacancies(
        state.store(),
        file,
        layer=layer,
        fields=field_options(field, mapping),
        defaults=parse_default_options(default or []),
        dry_run=dry_run,
    )
    if as_json:
        print_json(summary)
        return
    verb = "would replace" if dry_run else "replaced"
    out.print(
        f"{summary['file']}: {summary['rows']} rows for {summary['buildings']} buildings; "
        f"{verb} {summary['replaced']} stored vacancies with {summary['inserted']}"
    )
    _notes(summary)


@buildings_app.command("list")
@handled
def buildings_list(
    park: Annotated[str | None, typer.Option(help="Only this park (园区).")] = None,
    state_id: Annotated[
        str | None,
        typer.Option("--state", help="Only this state: vacant, partly_vacant or occupied."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List buildings: code, name, park, type, floors, floor and vacant area, state."""
    from landbank.services.buildings import list_buildings

    items = list_buildings(state.store(), park=park, state=state_id)
    if as_json:
        print_json(items)
        return
    table = Table(
        "code",
        "name",
        "district",
        "park",
        "type",
        "floors",
        "floor m²",
        "vacant m²",
        "state",
        "activation",
    )
    for b in items:
        table.add_row(
            b["code"],
            b["name"] or "",
            b["district"] or "",
            b["park"] or "",
            building_type_label(b["building_type"], state.lang),
            "" if b["floors"] is None else str(b["floors"]),
            _area(b["total_floor_area_m2"]),
            _area(b["vacant_area_m2"]),
            state_label(b["state"], state.lang),
            _activation(b["activation_state"]),
        )
    out.print(table)
    out.print(f"{len(items)} buildings, {sum(b['vacant_area_m2'] for b in items):.0f} m² vacant")


@buildings_app.command("show")
@handled
def buildings_show(
    code: Annotated[str, typer.Argument(help="Building code (楼宇编号).")],
    as_json: JsonOpt = False,
) -> None:
    """Show every stored field of one building, its state and its vacant floors."""
    from landbank.services.buildings import show_building

    record = show_building(state.store(), code)
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        if key == "vacancies":
            continue
        if key == "state":
            value = f"{state_label(value, state.lang)} ({value})"
        elif key == "activation":
            value = (
                f"{_activation(value['state'])}, {value['method']}"
                + (f", planned {value['planned_on']}" if value["planned_on"] else "")
                + (f", done {value['done_on']}" if value["done_on"] else "")
                if value
                else None
            )
        elif key == "building_type" and value:
            value = f"{building_type_label(value, state.lang)} ({value})"
        table.add_row(key, "" if value is None else str(value))
    out.print(table)
    floors = Table("floor", "unit", "vacant m²", "available from", "rent 元/m²·月", title="vacant")
    for v in record["vacancies"]:
        floors.add_row(
            "" if v["floor"] is None else str(v["floor"]),
            v["unit"] or "",
            _area(v["vacant_area_m2"]),
            v["available_from"] or "",
            "" if v["rent_yuan_m2_month"] is None else f"{v['rent_yuan_m2_month']:g}",
        )
    out.print(floors if record["vacancies"] else "no vacant floors")


def _activation(status: str | None) -> str:
    """The activation (盘活) state in the chosen language; '' when none is open."""
    from landbank.domain.disposal import STATES

    return STATES[status][state.lang] if status else ""


def _area(value) -> str:
    return "" if value is None else f"{value:,.0f}"
