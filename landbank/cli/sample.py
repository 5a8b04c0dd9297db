"""The command line of the sample city: ``synth`` and ``demo``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landbank.cli.shell import (
    JsonOpt,
    QuietOpt,
    app,
    handled,
    out,
    print_json,
    progress_bar,
    state,
    with_db,
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

    with progress_bar(not quiet) as progress:
        report = run_demo(state.db, progress=progress, out=out_dir)
    for line in report:
        out.print(with_db(line), markup=False, highlight=False)
