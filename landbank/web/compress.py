"""The page assets (scripts, stylesheets) gzipped for a browser that takes gzip: a
phone on a slow link loads a third of the bytes. Only under the asset paths: the
downloads (case files, PMTiles archives read by ranges, tiles with their ETag) pass
as they are."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

ASSET_PATHS = ("/static/web/", "/survey/assets/", "/survey-sw.js")


class AssetGzip:
    """GZipMiddleware for the requests under ``ASSET_PATHS``; every other request goes
    straight to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ASSET_PATHS):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
