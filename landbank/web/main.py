"""The app uvicorn loads for ``landbank serve``: its database and settings come from
the environment the command sets (LANDBANK_DB, LANDBANK_READ_DB, LANDBANK_OGC_PUBLIC)."""

from __future__ import annotations

import os

from landbank.config import database_url, read_database_url
from landbank.services import tiles
from landbank.services.database import Store
from landbank.web.app import create_app

app = create_app(
    database_url(None),
    ogc_public=os.environ.get("LANDBANK_OGC_PUBLIC") == "1",
    read_db_url=read_database_url(None),
)

if tiles.overview_enabled():
    # a stale tile overview is built while the service answers, once the app stands
    # (its first start writes the signing key): the low zooms' tiles are drawn without
    # it meanwhile, not after the first user's wait. Each worker asks; one builds.
    tiles.refresh_overview_soon(Store.shared(database_url(None), read_database_url(None)))
