"""The command line of matching: ``projects add|list|show`` and ``match``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import (
    BasemapOpt,
    JsonOpt,
    KeyOpt,
    app,
    err,
    handled,
    os_user,
    out,
    parse_date,
    print_json,
    state,
)
from landbank.errors import InputError

projects_app = typer.Typer(no_args_is_help=True, help="Investment projects' requirements.")
app.add_typer(projects_app, name="projects")
ProfileOpt = Annotated[str | None, typer.Option(help="City profile name or TOML file.")]


@projects_app.command("add")
@handled
def projects_add(
    file: Annotated[
        Path, typer.Argument(help="Requirement file, .toml or .json (data/projects/).")
    ],
    replace: Annotated[bool, typer.Option(help="Replace a stored project of that name.")] = False,
    by: Annotated[str | None, typer.Option(help="Who adds it.")] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a project's land or floor-space requirement, checked field by field."""
    from landbank.services.projects import add_project

    result = add_project(state.store(), file, by or os_user(), replace, profile)
    if as_json:
        print_json(result)
        return
    verb = "replaced" if result["replaced"] else "added"
    out.print(f"project {result['project']} ({result['kind']}) {verb}", markup=False)


@projects_app.command("list")
@handled
def projects_list(as_json: JsonOpt = False) -> None:
    """List the stored projects."""
    from landbank.services.projects import list_projects

    rows = list_projects(state.store())
    if as_json:
        print_json(rows)
        return
    zh = state.lang == "zh"
    table = Table(*(["项目", "行业", "类型", "已预留", "录入人"] if zh else
                    ["project", "industry", "kind", "reserved", "by"]))  # fmt: skip
    for r in rows:
        table.add_row(
            r["name"], r["industry"] or "", r["kind"], str(r["reserved"]), r["created_by"] or ""
        )
    out.print(table)


@projects_app.command("show")
@handled
def projects_show(name: str, as_json: JsonOpt = False) -> None:
    """Show a stored project and its requirement."""
    from landbank.services.projects import show_project

    record = show_project(state.store(), name)
    if as_json:
        print_json(record)
        return
    out.print(f"{record['name']}  ({record['kind']}, industry {record['industry']})", markup=False)
    for key, value in record["requirement"].get(record["kind"], {}).items():
        out.print(f"  {key} = {value}", markup=False, highlight=False)


def _range(text: str | None, option: str) -> tuple[float, float] | None:
    """MIN:MAX (or one number) of --area-mu / --floor-m2."""
    if text is None:
        return None
    parts = text.split(":")
    try:
        lo, hi = (float(parts[0]), float(parts[-1])) if len(parts) in (1, 2) else (None, None)
    except ValueError:
        lo = hi = None
    if lo is None or hi is None:
        raise InputError(f'{option} "{text}": write MIN:MAX, e.g. {option} 60:80')
    return lo, hi


def _near(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        lon, lat = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        raise InputError(
            f'--near "{text}": write LON,LAT in degrees, e.g. --near 117.285,34.805'
        ) from None
    return [lon, lat]


@app.command("match")
@handled
def match_cmd(
    project: Annotated[
        str | None,
        typer.Option(help="A stored project's name, or a requirement file (.toml / .json)."),
    ] = None,
    area_mu: Annotated[str | None, typer.Option(help="Land: MIN:MAX mu.")] = None,
    use: Annotated[
        str | None,
        typer.Option(help="Land use: industrial, logistics, commercial, ... or a code (0601)."),
    ] = None,
    floor_m2: Annotated[str | None, typer.Option(help="Floor space: MIN:MAX m².")] = None,
    building_type: Annotated[str | None, typer.Option(help="standard_factory, office, ...")] = None,
    min_load: Annotated[float | None, typer.Option(help="Least floor load, kN/m².")] = None,
    min_height: Annotated[float | None, typer.Option(help="Least clear height, m.")] = None,
    max_floor: Annotated[int | None, typer.Option(help="Highest floor acceptable.")] = None,
    min_power: Annotated[float | None, typer.Option(help="Least power capacity, kVA.")] = None,
    max_rent: Annotated[float | None, typer.Option(help="Highest rent, yuan/m²·month.")] = None,
    district: Annotated[
        list[str] | None, typer.Option(help="A wanted district (repeatable).")
    ] = None,
    park: Annotated[list[str] | None, typer.Option(help="A wanted park (repeatable).")] = None,
    near: Annotated[str | None, typer.Option(help="LON,LAT the site should be near.")] = None,
    within_km: Annotated[float | None, typer.Option(help="How far from --near, km.")] = None,
    ready_by: Annotated[str | None, typer.Option(help="Needed by YYYY-MM-DD.")] = None,
    max_price_wan: Annotated[float | None, typer.Option(help="Highest land price, 万元.")] = None,
    industry: Annotated[str | None, typer.Option(help="国民经济行业分类 code, e.g. 3811.")] = None,
    top: Annotated[int, typer.Option(help="How many candidates.")] = 10,
    as_of: Annotated[str | None, typer.Option(help="Match as of this day (default today).")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Write a map (HTML).")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Write a site-selection pack (.xlsx).")] = None,
    basemap: BasemapOpt = "osm",
    tianditu_key: KeyOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the parcels, assembled sites or vacant floors that fit a project."""
    from landbank.services.matching import match, requirement_from_options, resolve_requirement

    chosen = [project is not None, area_mu is not None, floor_m2 is not None]
    if sum(chosen) != 1:
        raise InputError("give one of --project NAME|FILE, --area-mu MIN:MAX or --floor-m2 MIN:MAX")
    if project is not None:
        req = resolve_requirement(state.store(), project, profile)
    else:
        place = {"districts": district or None, "parks": park or None, "near": _near(near)}
        place["within_km"] = within_km
        if area_mu is not None:
            lo, hi = _range(area_mu, "--area-mu")
            need = {"area_mu_min": lo, "area_mu_max": hi, "land_use": use,
                    "max_price_wan": max_price_wan}  # fmt: skip
            kind = "land"
        else:
            lo, hi = _range(floor_m2, "--floor-m2")
            need = {
                "area_m2_min": lo,
                "area_m2_max": hi,
                "building_type": building_type,
                "min_floor_load_kn_m2": min_load,
                "min_clear_height_m": min_height,
                "max_floor": max_floor,
                "min_power_kva": min_power,
                "max_rent": max_rent,
            }
            kind = "floor_space"
        need["ready_by"] = parse_date(ready_by, "--ready-by")
        need.update(place)
        data = {"industry": industry, kind: {k: v for k, v in need.items() if v is not None}}
        req = requirement_from_options({k: v for k, v in data.items() if v is not None}, profile)
    result = match(
        state.store(),
        req,
        top=top,
        lang=state.lang,
        today=parse_date(as_of, "--as-of"),
        profile=profile,
        map_file=map_file,
        xlsx_file=xlsx,
        basemap=basemap,
        tianditu_key=tianditu_key,
    )
    for key in ("map", "xlsx"):
        if key in result:
            err.print(f"{key}: {result[key]}", markup=False, highlight=False)
    if as_json:
        print_json(result["candidates"])
        return
    _print_candidates(result)


def _print_candidates(result: dict) -> None:
    zh = state.lang == "zh"
    cands = result["candidates"]
    if not cands:
        out.print(
            "没有符合条件的候选" if zh else "no candidate meets the requirement", markup=False
        )
        return
    land = result["kind"] == "land"
    if zh:
        head = ["#", "类型", "编号", "面积(亩)" if land else "面积(m²)", "得分", "说明"]
    else:
        head = ["#", "kind", "codes", "area (mu)" if land else "area (m²)", "score", "notes"]
    from landbank.domain.matching import KINDS

    table = Table(*head, show_lines=True)
    for c in cands:
        area = f"{c['area_mu']:.2f}" if land else f"{c['area_m2']:,.0f}"
        notes = "\n".join(c["reasons"])
        if "below_standard" in c["flags"]:
            notes = ("⚠ 低于准入标准\n" if zh else "⚠ below the admission standard\n") + notes
        table.add_row(str(c["rank"]), KINDS[c["kind"]][state.lang], "\n".join(c["codes"]), area,
                      f"{c['score']:.1f}", notes)  # fmt: skip
    out.print(table)
