"""The app uvicorn loads for ``landbank serve``: its database and settings come from
the environment the command sets (LANDBANK_DB, LANDBANK_READ_DB, LANDBANK_OGC_PUBLIC)."""

from __future__ import annotations

import os

from landbank.config import database_url, read_database_url
from landbank.web.app import create_app

app = create_app(
    database_url(None),
    ogc_public=os.environ.get("LANDBANK_OGC_PUBLIC") == "1",
    read_db_url=read_database_url(None),
)
