"""What every command of the command line shares: the Typer app and its groups, the
run's state (--db, --lang), the consoles, option types, error handling and the helpers
of more than one family of commands. The command modules import from here only."""

from __future__ import annotations

import functools
import getpass
import json
import re
import sys
import warnings
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from landbank import config
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
    """This run's options, and its database: opened on first use, once a run."""

    db: str = config.DEFAULT_DB
    lang: str = "zh"
    _store = None

    def store(self):
        """The Store of ``--db``, checked once (exists, answers, newest schema)."""
        if self._store is None:
            from landbank.services.database import open_store

            self._store = open_store(self.db)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


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
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL (else LANDBANK_DB, else sqlite:///landbank.sqlite)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of labels: zh or en.")] = "zh",
) -> None:
    state.close()
    state.db = config.database_url(db)
    ctx.call_on_close(state.close)
    if lang not in ("zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    state.lang = lang


def parse_date(text: str | None, option: str):
    """A --planned / --on date; None stays None."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise LandbankInput(f'{option} "{text}" is not a date; write YYYY-MM-DD') from None


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


def os_user() -> str:
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


class progress_bar:
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
