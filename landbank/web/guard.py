"""The service's edge, one pure ASGI middleware in front of every route:

- a request with a body to anything but sign-in must carry valid credentials (a bearer
  token, or for the pages the session cookie) before a byte of its body is read: 401
  for the API, the sign-in page for the pages;
- a body may hold at most ``MAX_BODY_BYTES`` (413 at once when Content-Length says
  more; a chunked body is counted while it streams and refused at the limit); the
  routes that take a file (``UPLOADS``: evidence, a proof of service) take up to the
  profile's ``[case] attachment_max_mb`` (and the form around it) from a signed-in
  clerk or admin (a survey photo: a surveyor), whose token is checked before the body
  is read;
- every text the request carries (path, query, form and JSON fields, HTTP Basic
  credentials) is checked once here: a NUL character (PostgreSQL cannot store one), a
  lone surrogate (no UTF-8 for it) or a whole number beyond 64 bits is a 4xx naming
  the field, on both engines, and not a 500;
- every answer carries ``X-Content-Type-Options: nosniff``; the API's ``Cache-Control:
  no-store``; an HTML page without a policy of its own (``/docs``, ``/redoc``) a
  Content-Security-Policy that admits its inline scripts by hash, and may not be framed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import os
import re
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser

from landbank.errors import LandbankError
from landbank.web.security import CHECKED_TOKEN, SESSION_COOKIE, bearer_token

API_PREFIX = "/api/"
OGC_PREFIX = "/ogc"
# posts that carry credentials in their body rather than before it
SIGN_IN = frozenset({"/api/v1/auth/token", "/login"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# JSON and form bodies. LANDBANK_MAX_BODY_KB changes the limit.
MAX_BODY_BYTES = int(os.environ.get("LANDBANK_MAX_BODY_KB", "1024")) * 1024
# the routes that take a file, and the room the form's other fields may take beside it
UPLOADS = re.compile(
    r"^(/api/v1/cases/[^/]+/attachments|/api/v1/acts/[^/]+/service"
    r"|/cases/[^/]+/attach|/acts/[^/]+/serve|/api/v1/records/[^/]+/photos)$"
)
UPLOAD_FORM_BYTES = 64 * 1024
INT64_MAX = 2**63 - 1
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' {hashes}; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
_SUSPECT_JSON = re.compile(rb"\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\d{19,}|\x00")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def text_problem(value: str) -> str | None:
    """What is wrong with a text for the database, or None: a NUL character or a lone
    surrogate (a half of a UTF-16 pair, which has no UTF-8)."""
    if "\x00" in value:
        return "contains a NUL character; remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not a character); send valid UTF-8 text"
    return None


def value_problems(value, where: str) -> tuple[str, str] | None:
    """The first (field, message) at fault in a JSON value, or None: texts as above,
    keys too, and whole numbers that fit no 64-bit integer."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (where, problem) if problem else None
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return None
    if isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            return where, f"{value} is too large a number; at most {INT64_MAX}"
        return None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = value_problems(item, f"{where}.{i}" if where else str(i))
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            problem = text_problem(str(key))
            if problem:
                return name, problem
            found = value_problems(item, name)
            if found:
                return found
    return None


def _query_problem(raw: bytes) -> tuple[str, str] | None:
    """A query string or a urlencoded form: the first field at fault."""
    if b"%00" not in raw and b"\x00" not in raw:
        return None  # lone surrogates cannot arrive percent-encoded: they decode to U+FFFD
    text = raw.decode("latin-1")
    for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if text_problem(key):
            return "a parameter's name", text_problem(key)
        if text_problem(value):
            return key, text_problem(value)
    return None


def _multipart_problem(
    boundary: bytes | None, body: bytes, files: bool = False
) -> tuple[str, str] | None:
    """A multipart form (read by python-multipart, as Starlette reads it for the
    route): the first field whose value holds a NUL character. Lone surrogates cannot
    arrive here: bytes that are not UTF-8 decode to U+FFFD."""
    if b"\x00" not in body or not boundary:
        return None
    found: list[str] = []
    part: dict = {}

    def on_part_begin():
        part.clear()
        part.update(name=b"", field=b"", value=bytearray())

    def on_header_field(data, start, end):
        part["field"] += data[start:end]

    def on_header_value(data, start, end):
        if part["field"].lower() == b"content-disposition":
            part["name"] += data[start:end]

    def on_header_end():
        part["field"] = b""

    def on_part_data(data, start, end):
        part["value"] += data[start:end]

    def on_part_end():
        if not found and b"\x00" in part["value"]:
            _, options = parse_options_header(part["name"])
            if files and b"filename" in options:
                return  # a file's bytes on a route that takes one: the route checks them
            found.append(options.get(b"name", b"form").decode("utf-8", "replace"))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        pass  # not a form: the route refuses it (a field seen before the fault still counts)
    return (found[0], "contains a NUL character; remove it") if found else None


def _body_problem(content_type: str, body: bytes, files: bool = False) -> tuple[str, str] | None:
    """The first field at fault in a body. Forms as Starlette tells them (the media
    type, lowercased, exactly); any other body is checked as JSON whenever it parses as
    JSON, whatever its Content-Type says or lacks (a superset of the bodies FastAPI reads
    as JSON: ``application/json``, ``*/*+json`` in any case, with parameters), so no
    body the app parses escapes the check. With ``files`` (a route that takes a file),
    a file part's bytes are left to the route's check of its content."""
    if not body:
        return None
    media, options = parse_options_header(content_type)
    if media == b"application/x-www-form-urlencoded":
        return _query_problem(body)
    if media == b"multipart/form-data":
        return _multipart_problem(options.get(b"boundary"), body, files)
    if not _SUSPECT_JSON.search(body):
        return None  # the common case: nothing to look for, no second parse
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route says what is wrong with it
    return value_problems(data, "")


def _basic_problem(authorization: str) -> tuple[str, str] | None:
    if not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:], validate=False).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None  # not a credential: refused as such by the route
    name, _, password = decoded.partition(":")
    for field, value in (("username", name), ("password", password)):
        problem = text_problem(value)
        if problem:
            return f"Authorization (Basic) {field}", problem
    return None


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


class EdgeGuard:
    """The middleware (see the module's text). ``max_body`` in bytes."""

    def __init__(self, app, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path: str = scope["path"]
        headers = _headers(scope)
        is_api = path.startswith(API_PREFIX)
        send = self._with_headers(scope, send, is_api)

        if "\x00" in path:
            return await _answer(send, scope, 404, "the address contains a NUL character")
        found = _query_problem(scope.get("query_string", b"")) or _basic_problem(
            headers.get("authorization", "")
        )
        if found:
            return await _refuse(send, scope, *found)

        method = scope["method"]
        if method not in BODY_METHODS:
            return await self.app(scope, receive, send)
        try:
            signed_in = path in SIGN_IN or await self._signed_in(scope, headers, is_api)
        except (LandbankError, OperationalError) as exc:
            # outside the app's handlers: the one-line answer a route would give
            return await _answer(send, scope, 503, _unavailable(exc))
        if not signed_in:
            if is_api or path.startswith(OGC_PREFIX):
                return await _answer(
                    send,
                    scope,
                    401,
                    "sign in first: POST /api/v1/auth/token",
                    {"www-authenticate": "Bearer"},
                )
            # a page: the sign-in form, as for a page asked for without a session
            return await _redirect(send, "/login?next=%2F")
        limit, upload = self.max_body, False
        if UPLOADS.match(path):
            checked = scope.get("state", {}).get(CHECKED_TOKEN)
            who = checked[1] if checked is not None else None
            if who is not None and (who.can_write or who.is_surveyor):
                limit, upload = max(limit, _upload_limit() + UPLOAD_FORM_BYTES), True
        length = headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                return await _answer(send, scope, 400, "Content-Length is not a number")
            if too_big:
                return await _too_large(send, scope, limit, upload)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await _too_large(send, scope, limit, upload)
        # a route that takes a file checks its bytes by content (and who sends it) itself
        takes_files = UPLOADS.match(path) is not None
        found = _body_problem(headers.get("content-type", ""), bytes(body), takes_files)
        if found:
            return await _refuse(send, scope, *found)
        return await self.app(scope, _replay(bytes(body), receive), send)

    async def _signed_in(self, scope, headers: dict[str, str], is_api: bool) -> bool:
        """A valid bearer token (the API, /ogc) or session cookie (the pages)."""
        from landbank.web.deps import token_user

        if is_api or scope["path"].startswith(OGC_PREFIX):
            token = bearer_token(headers.get("authorization", ""))
        else:
            token = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        if not token:
            return False
        svc = scope["app"].state.service
        user = await run_in_threadpool(token_user, svc, token)  # may raise: see __call__
        # the route's dependency takes the user from here: one database read a request
        scope.setdefault("state", {})[CHECKED_TOKEN] = (token, user)
        return user is not None

    @staticmethod
    def _with_headers(scope, send, is_api: bool):
        """``send`` adding the security headers to the answer's start (and, for an HTML
        page without a policy, a policy admitting its inline scripts by hash)."""
        state: dict = {}

        async def sending(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = []
                if b"x-content-type-options" not in names:
                    extra.append((b"x-content-type-options", b"nosniff"))
                if is_api and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                page = kind.startswith(b"text/html") and not is_api
                if page and b"content-security-policy" not in names:
                    if b"x-frame-options" not in names:
                        extra.append((b"x-frame-options", b"DENY"))
                    # the policy needs the page's scripts: held until the body is seen
                    state["start"] = {**message, "headers": [*message["headers"], *extra]}
                    state["body"] = bytearray()
                    return None
                message = {**message, "headers": [*message.get("headers", []), *extra]}
                return await send(message)
            if message["type"] == "http.response.body" and "start" in state:
                state["body"] += message.get("body", b"")
                if message.get("more_body", False):
                    return None
                body = bytes(state.pop("body"))
                start = state.pop("start")
                hashes = " ".join(
                    "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
                    for script in _INLINE_SCRIPT.findall(body)
                )
                policy = DOCS_POLICY.format(hashes=hashes).encode()
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                headers += [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-security-policy", policy),
                ]
                await send({**start, "headers": headers})
                return await send({"type": "http.response.body", "body": body})
            return await send(message)

        return sending


# a database gone mid-request, in one line: never the driver's text (host, user)
DATABASE_UNAVAILABLE = "the database is not available; try again later (the server's log says why)"


def _unavailable(exc: Exception) -> str:
    if isinstance(exc, LandbankError):
        return str(exc).splitlines()[0] if str(exc) else "the database is not available"
    return DATABASE_UNAVAILABLE


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(send, scope, status: int, message, headers: dict | None = None):
    """A JSON answer (the API, /ogc) or a small page (the rest), then the connection
    stays usable: nothing of the request is left unread but a refused body."""
    path = scope["path"]
    if path.startswith(API_PREFIX) or path.startswith(OGC_PREFIX) or status == 413:
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        text = (
            message if isinstance(message, str) else "; ".join(f"{m['message']}" for m in message)
        )
        body = (
            "<!doctype html><html><head><meta charset=utf-8><title>landbank</title></head>"
            f"<body><h1>{status}</h1><p>{html.escape(text)}</p></body></html>"
        ).encode()
        kind = b"text/html; charset=utf-8"
    raw = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send, scope, field: str, problem: str):
    """422 naming the field (400 on /ogc, whose standard has a 400 for a bad query)."""
    message = f"{field}: {problem}"
    if scope["path"].startswith(OGC_PREFIX):
        return await _answer(send, scope, 400, message)
    return await _answer(send, scope, 422, [{"field": field, "message": message}])


def _upload_limit() -> int:
    """The largest attachment of the service's profile, in bytes."""
    from landbank.services.case_files import attachment_limit_bytes

    return attachment_limit_bytes()


async def _too_large(send, scope, limit: int, upload: bool = False):
    if upload:
        most = _upload_limit() / 1048576
        message = (
            f"the file is larger than {most:.0f} MB, the limit of an attachment; send a "
            "smaller one (the profile's [case] attachment_max_mb sets the limit)"
        )
    else:
        message = (
            f"the request body is larger than {limit // 1024} KiB; send less "
            "(set LANDBANK_MAX_BODY_KB on the server to allow more)"
        )
    await _answer(send, scope, 413, message, {"connection": "close"})


async def _redirect(send, location: str):
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
