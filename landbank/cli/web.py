"""The command line of the web service: ``users add|list|delete|signout`` and ``serve``.
Parse arguments, call a service, print. Registered on the app of
``landbank.cli.shell`` when ``landbank.cli`` imports this module."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from landbank.cli.shell import JsonOpt, app, err, handled, out, print_json, state
from landbank.errors import InputError

users_app = typer.Typer(no_args_is_help=True, help="People who sign in to the web service.")
app.add_typer(users_app, name="users")


@users_app.command("add")
@handled
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, clerk, admin or surveyor.")],
    districts: Annotated[
        str | None,
        typer.Option(help="A clerk's or surveyor's districts, e.g. 薛城区,市中区 (default all)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    replace: Annotated[bool, typer.Option(help="Change an existing user.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a user; the password is read from standard input and stored as an argon2 hash."""
    from landbank.services.users import add_user

    if not password_stdin:
        raise InputError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    result = add_user(state.store(), name, role, password, districts, replace)
    if as_json:
        print_json(result)
        return
    where = f" for {', '.join(result['districts'])}" if result["districts"] else ""
    out.print(f"user {result['name']}: {result['role']}{where}", markup=False)


@users_app.command("list")
@handled
def users_list(as_json: JsonOpt = False) -> None:
    """List the users: name, role, districts."""
    from landbank.services.users import list_users

    rows = list_users(state.store())
    if as_json:
        print_json(rows)
        return
    table = Table("name", "role", "districts")
    for r in rows:
        table.add_row(r["name"], r["role"], ", ".join(r["districts"]) or "all")
    out.print(table)


@users_app.command("delete")
@handled
def users_delete(
    name: Annotated[str, typer.Argument(help="User name.")],
    as_json: JsonOpt = False,
) -> None:
    """Remove a user: their tokens and sessions end at once."""
    from landbank.services.users import delete_user

    result = delete_user(state.store(), name)
    if as_json:
        print_json(result)
        return
    out.print(f"user {result['name']} deleted", markup=False)


@users_app.command("signout")
@handled
def users_signout(
    name: Annotated[str, typer.Argument(help="User name.")],
    as_json: JsonOpt = False,
) -> None:
    """End every token and session of a user at once (e.g. a lost laptop)."""
    from landbank.services.users import sign_out_user

    result = sign_out_user(state.store(), name)
    if as_json:
        print_json(result)
        return
    out.print(f"user {name}: every token and session ended", markup=False)


@app.command("serve")
@handled
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostGIS).")] = 1,
    ogc_public: Annotated[
        bool, typer.Option(help="Let GIS clients read /ogc and /tiles without signing in.")
    ] = False,
    read_db: Annotated[
        str | None,
        typer.Option(
            "--read-db",
            help="A streaming replica of --db (PostgreSQL) that answers reads; writes go to "
            "--db, and a user's next read sees their own write. Else LANDBANK_READ_DB.",
        ),
    ] = None,
) -> None:
    """Run the web service: pages, the JSON API (/api/v1, documented at /docs), OGC
    API - Features (/ogc) and vector tiles (/tiles) on the database of --db."""
    import os

    import uvicorn

    from landbank.config import read_database_url

    if not 1 <= port <= 65535:
        raise InputError(f"--port {port}: give 1 to 65535")
    if workers < 1:
        raise InputError("--workers: give 1 or more")
    if workers > 1 and state.db.startswith("sqlite"):
        raise InputError("--workers above 1 needs PostgreSQL; SpatiaLite serves one process")
    from landbank.services.database import Store, safe_url

    # say what is wrong with the database before listening, with the service's own
    # store: one worker runs in this process and takes it up (web.main); several run
    # in processes of their own, each with its store, and this one only watches them
    read_url = read_database_url(read_db)
    Store.shared(state.db, read_url)
    if workers > 1:
        Store.close_shared()
    os.environ["LANDBANK_DB"] = state.db
    os.environ["LANDBANK_READ_DB"] = read_url or ""
    os.environ["LANDBANK_OGC_PUBLIC"] = "1" if ogc_public else ""
    reads = f", reads on {safe_url(read_url)}" if read_url else ""
    err.print(f"landbank serving {host}:{port}{reads} (API docs at /docs)", markup=False)
    uvicorn.run(
        "landbank.web.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # not shown at this level; off, it costs nothing per request
        proxy_headers=False,
    )
