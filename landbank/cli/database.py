"""The command line of the database: ``init``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

from landbank.cli.shell import (
    JsonOpt,
    app,
    handled,
    out,
    print_json,
    state,
)


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
