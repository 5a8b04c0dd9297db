"""The command line: parse arguments, call a service, print. No rules live here."""

from __future__ import annotations

import functools
import getpass
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from landbank import config
from landbank.domain.categories import MISSING, UNCLASSIFIED, category_label
from landbank.errors import InputError as LandbankInput
from landbank.errors import LandbankError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="landbank: the idle and inefficient land (五未土地) inventory.",
)
import_app = typer.Typer(no_args_is_help=True, help="Import files into the database.")
parcels_app = typer.Typer(no_args_is_help=True, help="List and show parcels.")
disposal_app = typer.Typer(
    no_args_is_help=True,
    help="Track the disposal (处置) of parcels and the activation (盘活) of vacant buildings.",
)
app.add_typer(import_app, name="import")
app.add_typer(disposal_app, name="disposal")
app.add_typer(parcels_app, name="parcels")

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


class State:
    db: str = config.DEFAULT_DB
    lang: str = "zh"


state = State()
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
DefaultOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--default",
        help="CANONICAL=VALUE for rows where that field is empty or the file has no "
        "column for it; repeatable. (--field CANONICAL= imports no column as it.)",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def with_db(text: str) -> str:
    """Puts ``--db URL`` into the ``landbank COMMAND`` hints of ``text`` when this run's
    database is not the one a bare ``landbank`` would open, so that a hint runs as
    written on the same database."""
    if state.db == config.database_url(None):
        return text
    from landbank.services.database import hint_url

    names = "|".join(sorted(map(re.escape, _command_names()), key=len, reverse=True))
    return re.sub(
        rf"\blandbank (?=(?:{names})\b)", lambda _: f"landbank --db {hint_url(state.db)} ", text
    )


def _command_names() -> list[str]:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    return names + [g.name for g in app.registered_groups if g.name]


def handled(fn):
    """Turns a LandbankError into one line on stderr and its exit code. No Python
    warning reaches the terminal: what matters is reported as our own warnings."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except LandbankError as exc:
            err.print(f"error: {with_db(str(exc))}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except DBAPIError as exc:  # the database refused: say what it said, in one line
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            err.print(
                f"error: the database refused the change ({first}); nothing was written",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(
    db: Annotated[
        str | None,
        typer.Option(help="Database URL (else LANDBANK_DB, else sqlite:///landbank.sqlite)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of labels: zh or en.")] = "zh",
) -> None:
    state.db = config.database_url(db)
    if lang not in ("zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    state.lang = lang


@app.command()
@handled
def init(as_json: JsonOpt = False) -> None:
    """Create the database schema, or upgrade it to the newest (safe to repeat)."""
    from landbank.services.database import init_db

    result = init_db(state.db)
    if as_json:
        print_json(
            {
                "database": result.database,
                "before": result.before,
                "after": result.after,
                "changed": result.changed,
            }
        )
        return
    if result.changed:
        out.print(f"{result.database}: schema {result.before or 'none'} → {result.after}")
    else:
        out.print(f"{result.database}: schema already at {result.after}")


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
    with _progress(not (as_json or quiet)) as progress:
        summary = import_parcels(
            state.db,
            file,
            opts,
            upsert=upsert,
            dry_run=dry_run,
            by=by or _os_user(),
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
        state.db,
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

    items = list_parcels(state.db, category=category, district=district)
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
        show_as_of(state.db, code, parse_moment(as_of)) if as_of else show_parcel(state.db, code)
    )
    if map_file is not None:
        from landbank.services.maps import parcel_map

        written = parcel_map(state.db, code, map_file, basemap, tianditu_key, state.lang)
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
        state.db,
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
        state.db, code, by, reason, area_mu_first=area_mu, geometry=geometry, profile=profile
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

    events = history(state.db, code)
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


def missing_lines(summary: dict, lang: str) -> list[str]:
    """The unclassified parcels apart, and how many lack which field, in ``lang``."""
    zh = lang == "zh"
    lines = []
    n = summary["unclassified"]["count"]
    if n:
        key = "approved_on/supplied_on/started_on"
        lack = summary["missing"].get(key, 0)
        lines.append(
            f"未分类：{n} 宗（{MISSING[key]['zh']}：{lack} 宗）"
            if zh
            else f"unclassified: {n} (no {key}: {lack})"
        )
    late = summary["missing"].get("agreed_start_on", 0)
    if late:
        lines.append(
            f"{MISSING['agreed_start_on']['zh']}：{late} 宗"
            if zh
            else f"{MISSING['agreed_start_on']['en']}: {late}"
        )
    if n:
        lines.append(
            "查看：landbank parcels list --category unclassified"
            if zh
            else "see them: landbank parcels list --category unclassified"
        )
    return lines


@app.command()
@handled
def classify(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (default today).")] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    by: Annotated[str | None, typer.Option(help="Who runs it (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Derive every parcel's five-unused category as of a date, with reasons."""
    from landbank.services.classify import classify_all, parse_as_of

    summary = classify_all(state.db, parse_as_of(as_of), profile, by=by or _os_user())
    if as_json:
        keys = ("as_of", "profile", "by_category", "unclassified", "missing", "changed")
        print_json({k: summary[k] for k in keys})
        return
    districts = sorted({r["district"] or "—" for r in summary["by_district"]})
    table = Table(
        "category",
        *districts,
        "total",
        title=f"as of {summary['as_of']} ({summary['profile']}): count / mu",
    )
    rows = list(summary["by_category"].items())
    if summary["unclassified"]["count"]:
        rows.append((UNCLASSIFIED, summary["unclassified"]))
    for cat, total in rows:
        cells = []
        for d in districts:
            hit = next(
                (
                    r
                    for r in summary["by_district"]
                    if (r["district"] or "—") == d and r["category"] == cat
                ),
                None,
            )
            cells.append(f"{hit['count']} / {hit['area_mu']:.0f}" if hit else "")
        table.add_row(
            category_label(cat, state.lang), *cells, f"{total['count']} / {total['area_mu']:.0f}"
        )
    out.print(table)
    for line in missing_lines(summary, state.lang):
        out.print(line, markup=False, highlight=False)
    out.print(f"{summary['changed']} categories changed")


@app.command()
@handled
def evaluate(
    year: Annotated[
        int | None, typer.Option(help="Year (default: the latest with figures).")
    ] = None,
    profile: Annotated[str | None, typer.Option(help="City profile name or TOML file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-mu evaluation: grades A–D (T: not rated) and the parcels below standard."""
    from landbank.services.classify import evaluate as run

    result = run(state.db, year, profile)
    if as_json:
        print_json(result)
        return
    grades = ", ".join(f"{g} {n}" for g, n in result["grades"].items())
    out.print(f"{result['year']} ({result['profile']}): {result['rated']} firms; {grades}")
    table = Table(
        "code",
        "name",
        "grade",
        "tax/mu",
        "output/mu",
        "invest/mu",
        "below standard",
        title="below standard",
    )
    for p in result["parcels"]:
        if p["below_standard"]:
            why = "; ".join(r[f"text_{state.lang}"] for r in p["reasons"])
            table.add_row(
                p["code"],
                p["name"] or "",
                p["grade"] or "",
                _fmt(p["tax_wan_per_mu"]),
                _fmt(p["output_wan_per_mu"]),
                _fmt(p["investment_wan_per_mu"]),
                why,
            )
    out.print(table)


def _fmt(value) -> str:
    return "" if value is None else f"{value:.1f}"


@import_app.command("performance")
@handled
def import_performance_cmd(
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx: one row per parcel and year.")],
    layer: Annotated[str | None, typer.Option(help="Sheet of an .xlsx.")] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="CANONICAL=SOURCE column mapping; repeatable."),
    ] = None,
    default: DefaultOpt = None,
    dry_run: Annotated[bool, typer.Option(help="Check and report; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import per-mu evaluation figures (tax, output, value added, energy, ...)."""
    from landbank.services.performance import import_performance

    result = import_performance(state.db, file, layer, field, dry_run=dry_run, defaults=default)
    if as_json:
        print_json(result)
    else:
        out.print(
            f"{result['file']}: {result['rows']} rows for {result['years']}: "
            f"{result['new']} new, {result['replaced']} replaced"
        )


@app.command()
@handled
def synth(
    parcels: Annotated[int, typer.Option(help="Number of parcels.")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same city).")] = 1,
    out_file: Annotated[
        Path, typer.Option("--out", help="Output file (.gpkg, .geojson, ...).")
    ] = Path("synthetic_city.gpkg"),
    as_json: JsonOpt = False,
) -> None:
    """Make a synthetic city (Zaozhuang's place): parks, roads, blocks, parcels."""
    from landbank.services.synth import write_synthetic_city

    result = write_synthetic_city(out_file, parcels=parcels, seed=seed)
    if as_json:
        print_json(result)
    else:
        out.print(f"wrote {result['parcels']} synthetic parcels to {result['file']}")


@app.command()
@handled
def demo(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for maps/ and reports/ (default: the working directory)."
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Load the bundled sample city (synthetic Zaozhuang) and run every step on it."""
    from landbank.services.demo import run_demo

    with _progress(not quiet) as progress:
        report = run_demo(state.db, progress=progress, out=out_dir)
    for line in report:
        out.print(with_db(line), markup=False, highlight=False)


def _date(text: str | None, option: str):
    """A --planned / --on date; None stays None."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise LandbankInput(f'{option} "{text}" is not a date; write YYYY-MM-DD') from None


ByOpt = Annotated[str, typer.Option(help="Who records the step.")]
DocOpt = Annotated[str | None, typer.Option(help="Document reference, e.g. a letter number.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="Date of the step (default today).")]


def _print_disposal(result: dict, as_json: bool) -> None:
    from landbank.domain.disposal import deadline_label

    if as_json:
        print_json(result)
        return
    for d in result["disposals"]:
        zh = state.lang == "zh"
        out.print(
            f"{result['code']} #{d['id']}: {d['state_zh'] if zh else d['state']}, "
            f"{d['method_zh'] if zh else d['method']}"
            + (", building activation (盘活)" if d["subject"] == "building" else "")
            + (f", cause {d['cause']}" if d["cause"] else "")
            + (f", {d['area_mu']:.2f} mu" if d["area_mu"] is not None else "")
            + (f", idle fee {d['idle_fee_wan']} 万元" if d["idle_fee_wan"] is not None else "")
            + (f", blocked by {', '.join(d['blockers'])}" if d["blockers"] else "")
        )
        for dl in d["deadlines"]:
            out.print(
                f"  due {dl['due_on']}: {deadline_label(dl['what'], state.lang)}"
                + (" (overdue)" if dl["overdue"] else "")
            )
        for st in d["steps"]:
            out.print(
                f"  {st['on']} {st['action']} {st['from'] or ''}→{st['to'] or ''} "
                f"by {st['by']}"
                + (f" [{st['doc']}]" if st["doc"] else "")
                + (f": {st['note']}" if st["note"] else "")
            )


@disposal_app.command("open")
@handled
def disposal_open(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    method: Annotated[str, typer.Option(help="supply, reclaim, extend_deadline, ...")],
    by: ByOpt,
    cause: Annotated[str | None, typer.Option(help="government or enterprise.")] = None,
    planned: Annotated[str | None, typer.Option(help="Planned date (YYYY-MM-DD).")] = None,
    area_mu: Annotated[float | None, typer.Option(help="Area disposed (default all).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open the disposal of a parcel, or the activation of a vacant building (method
    transfer or other), in state suspected."""
    from landbank.services.disposal import open_disposal

    result = open_disposal(
        state.db,
        code,
        method,
        by,
        cause=cause,
        planned_on=_date(planned, "--planned"),
        area_mu=area_mu,
        reason=reason,
        on=_date(on, "--on"),
    )
    _print_disposal(result, as_json)


@disposal_app.command("advance")
@handled
def disposal_advance(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    to: Annotated[str, typer.Option("--to", help="Next state.")],
    by: ByOpt,
    on: OnOpt = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    doc: DocOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a parcel's open disposal to its next state."""
    from landbank.services.disposal import advance

    _print_disposal(
        advance(state.db, code, to, by, on=_date(on, "--on"), note=note, doc=doc), as_json
    )


def _blocker(code: str, kind: str, blocked: bool, by: str, note, doc, on, as_json) -> None:
    from landbank.services.disposal import set_blocker

    _print_disposal(
        set_blocker(state.db, code, kind, blocked, by, note=note, doc=doc, on=_date(on, "--on")),
        as_json,
    )


KindOpt = Annotated[str, typer.Option(help="mortgage, seizure or dispute.")]
NoteOpt = Annotated[str | None, typer.Option(help="A note for the record.")]


@disposal_app.command("block")
@handled
def disposal_block(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    kind: KindOpt,
    by: ByOpt,
    note: NoteOpt = None,
    doc: DocOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a mortgage, court seizure or dispute that holds the disposal up."""
    _blocker(code, kind, True, by, note, doc, on, as_json)


@disposal_app.command("unblock")
@handled
def disposal_unblock(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    kind: KindOpt,
    by: ByOpt,
    note: NoteOpt = None,
    doc: DocOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clear a blocker."""
    _blocker(code, kind, False, by, note, doc, on, as_json)


@disposal_app.command("show")
@handled
def disposal_show(
    code: Annotated[str, typer.Argument(help="Parcel code, or a building's code (盘活).")],
    as_json: JsonOpt = False,
) -> None:
    """A parcel's disposals: state, method, cause, deadlines, idle fee, blockers, steps."""
    from landbank.services.disposal import show_disposal

    _print_disposal(show_disposal(state.db, code), as_json)


@disposal_app.command("due")
@handled
def disposal_due(
    within: Annotated[int, typer.Option(help="Days ahead.")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """What falls due within the coming days, or is overdue, soonest first."""
    from landbank.domain import disposal as wf
    from landbank.services.disposal import due

    items = due(state.db, within)
    if as_json:
        print_json(items)
        return
    table = Table("due", "code", "state", "method", "what")
    for d in items:
        table.add_row(
            d["due_on"] + (" !" if d["overdue"] else ""),
            d["code"],
            wf.state_label(d["state"], state.lang),
            wf.method_label(d["method"], state.lang),
            wf.deadline_label(d["what"], state.lang),
        )
    out.print(table)


@app.command()
@handled
def progress(
    by: Annotated[str, typer.Option(help="district, park, category, method or month.")] = (
        "district"
    ),
    date_from: Annotated[str | None, typer.Option("--from", help="Disposed on or after.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Disposed on or before.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the Excel ledger (台账).")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Disposal progress per group: identified and disposed land, rate, states, overdue."""
    from landbank.services.progress_report import progress as run
    from landbank.services.progress_report import progress_ledger

    rows = run(state.db, by, _date(date_from, "--from"), _date(date_to, "--to"))
    if xlsx is not None:
        written = progress_ledger(
            state.db, xlsx, by, _date(date_from, "--from"), _date(date_to, "--to"), state.lang
        )
        err.print(f"ledger: {written['file']}", markup=False, highlight=False)
    if html is not None:
        from landbank.services.progress_report import progress_html

        written = progress_html(
            state.db, html, None, _date(date_from, "--from"), _date(date_to, "--to"), state.lang
        )
        err.print(f"report: {written['file']}", markup=False, highlight=False)
    if as_json:
        print_json(rows)
        return
    table = Table(
        by,
        "identified",
        "mu",
        "disposed",
        "mu",
        "rate",
        "overdue",
        *(["supply rate"] if by == "district" else []),
        "unclassified",
    )
    for r in rows:
        rate = "" if r["rate"] is None else f"{r['rate']:.1%}"
        extra = []
        if by == "district":
            extra = ["" if r.get("supply_rate") is None else f"{r['supply_rate']:.1%}"]
        table.add_row(
            str(r["group"]),
            str(r["identified_count"]),
            f"{r['identified_area_mu']:.1f}",
            str(r["disposed_count"]),
            f"{r['disposed_area_mu']:.1f}",
            rate,
            str(r["overdue"]),
            *extra,
            str(r["unclassified_count"]),
        )
    out.print(table)


BasemapOpt = Annotated[
    str,
    typer.Option(
        help="Base tiles: osm, tianditu (needs a key), gaode (parcels shifted to GCJ-02 "
        "for display) or none (an intranet without tile access)."
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--tianditu-key", help="Tianditu key (else LANDBANK_TIANDITU_KEY)."),
]


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
    assets_dir: Annotated[
        Path | None,
        typer.Option(help="Write Leaflet and the map scripts here and link them, not inline."),
    ] = None,
    simplify_m: Annotated[
        float, typer.Option(help="Display simplification in metres (0: every vertex).")
    ] = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Write a web map (one HTML file, works offline) of idle land or disposal progress."""
    from landbank.services.maps import idle_land_map

    if lang not in (None, "zh", "en"):
        raise LandbankInput(f"--lang {lang}: use zh or en")
    if not 0 <= simplify_m <= 50:
        raise LandbankInput("--simplify-m must be 0 to 50 metres")
    result = idle_land_map(
        state.db,
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


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "landbank"


class _RichProgress:
    def __init__(self, bar):
        self.bar, self.task = bar, None

    def stage(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(name, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, n)


class _progress:
    """A rich progress bar on stderr, only for a terminal and when wanted."""

    def __init__(self, wanted: bool):
        self.wanted = wanted and err.is_terminal
        self.bar = None

    def __enter__(self):
        if not self.wanted:
            return None
        from rich.progress import Progress

        self.bar = Progress(console=err, transient=True)
        self.bar.start()
        return _RichProgress(self.bar)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


# the commands of idle buildings, matching and reservations live in their own modules,
# registered on import
from landbank import cli_buildings, cli_match, cli_reserve, cli_web  # noqa: E402, F401


def main() -> None:
    if not sys.warnoptions:  # no Python warning on a user's terminal (-W still shows them)
        warnings.simplefilter("ignore")
    app()


if __name__ == "__main__":
    main()
