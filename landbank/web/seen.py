"""Read-your-writes across the service's processes, when reads go to a replica.

A pure ASGI middleware, added when the service's store has a streaming replica
(``landbank serve --read-db``): each request runs in a ``Seen`` of its own
(``db.seen``) holding the WAL position of the client's last write, which the browser
(or an API client keeping cookies) sends back in the ``landbank_seen`` cookie. The
store sends the request's reads to the replica only once the replica has replayed up
to it; a write the request makes sets the cookie to the position after it. Any
process behind the proxy reads the cookie alike, so a clerk's next page shows their
edit whichever process answers; other users keep reading the replica.

The cookie holds nothing secret and is not trusted: a malformed one is ignored, and a
position set too far only sends that client's reads to the primary.
"""

from __future__ import annotations

from starlette.requests import cookie_parser

from landbank.services.database import seen

SEEN_COOKIE = "landbank_seen"
ATTRIBUTES = "Path=/; HttpOnly; SameSite=Lax"  # for the session: not kept past it


class ReadYourWrites:
    """The middleware (see the module's text)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        need = seen.parse(_cookie(scope, SEEN_COOKIE))
        with seen.client(need) as mine:

            async def send_seen(message):
                moved = mine.wrote is not None and (need is None or mine.wrote > need)
                if message["type"] == "http.response.start" and moved:
                    cookie = f"{SEEN_COOKIE}={seen.show(mine.wrote)}; {ATTRIBUTES}"
                    if scope.get("scheme") == "https":
                        cookie += "; Secure"
                    headers = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_seen)


def _cookie(scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            return cookie_parser(value.decode("latin-1")).get(name)
    return None
