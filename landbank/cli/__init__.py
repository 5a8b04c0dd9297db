"""The command line: parse arguments, call a service, print. No rules live here.

``shell`` holds what every command shares; each command module registers its commands
on the app of ``shell`` when imported here, in the order ``landbank --help`` lists them."""

from __future__ import annotations

import sys
import warnings

# isort: off
from landbank.cli import database, parcels, classify, sample, disposal, maps  # noqa: F401
from landbank.cli import case, buildings, match, reserve, web  # noqa: F401
from landbank.cli import enterprises, evaluation, survey  # noqa: F401

# isort: on
from landbank.cli.shell import app

__all__ = ["app", "main"]


def main() -> None:
    if not sys.warnoptions:  # no Python warning on a user's terminal (-W still shows them)
        warnings.simplefilter("ignore")
    app()
