"""The FastAPI application: one per database, built by ``create_app``."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import OperationalError

from landbank import __version__
from landbank.errors import LandbankError
from landbank.services.database import Store
from landbank.services.users import secret_key
from landbank.web import (
    api,
    api_actions,
    api_cases,
    api_evaluations,
    api_surveys,
    ogc,
    pages,
    pages_case,
    pages_survey,
    tiles,
)
from landbank.web.compress import AssetGzip
from landbank.web.deps import Service
from landbank.web.guard import DATABASE_UNAVAILABLE, EdgeGuard
from landbank.web.security import LoginLimiter, Signer
from landbank.web.seen import ReadYourWrites

STATIC = Path(__file__).parent / "static"


def create_app(
    db_url: str,
    ogc_public: bool = False,
    login_attempts: int = 5,
    read_db_url: str | None = None,
):
    """The service on ``db_url`` (already at the newest schema): pages at /, the JSON
    API at /api/v1 (documented at /docs), OGC API - Features at /ogc, vector tiles at
    /tiles. ``ogc_public`` lets GIS clients read /ogc and /tiles without signing in.
    ``read_db_url``: a streaming replica of it that answers reads (each client's own
    writes still seen on their next read: ``web.seen``)."""
    # one store for the process; a database without the schema stops the start, with the fix
    store = Store.shared(db_url, read_db_url)
    limiter = LoginLimiter(store, login_attempts)
    service = Service(store, Signer(secret_key(store)), limiter, ogc_public)
    app = FastAPIOffline(
        title="landbank",
        version=__version__,
        description="Idle and inefficient land (五未土地): parcels, disposal, matching.",
        static_url="/static/docs",
    )
    app.state.service = service
    app.add_middleware(EdgeGuard)
    if store.replica is not None:
        app.add_middleware(ReadYourWrites)  # outside the guard: its token check reads too
    app.add_middleware(AssetGzip)  # outermost: what the guard lets through is gzipped
    app.mount("/static/web", StaticFiles(directory=STATIC), name="static-web")

    @app.exception_handler(LandbankError)
    async def landbank_error(request: Request, exc: LandbankError):
        return JSONResponse({"detail": str(exc)}, status_code=exc.http_status)

    @app.exception_handler(OperationalError)
    async def unavailable(request: Request, exc: OperationalError):
        # the database went away mid-request (server down, file removed)
        return JSONResponse({"detail": DATABASE_UNAVAILABLE}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        detail = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(api_actions.router, prefix="/api/v1")
    app.include_router(api_cases.router, prefix="/api/v1")
    app.include_router(api_evaluations.router, prefix="/api/v1")
    app.include_router(api_surveys.router, prefix="/api/v1")
    app.include_router(ogc.router, prefix="/ogc")
    app.include_router(tiles.router, prefix="/tiles")
    app.include_router(pages.router)
    app.include_router(pages_case.router)
    app.include_router(pages_survey.router)
    app.include_router(pages_survey.assets)
    return app
