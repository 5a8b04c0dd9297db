"""Request dependencies: the service, and the signed-in user by bearer token (API),
session cookie (pages) or, for GIS clients on /ogc, HTTP Basic.

The cheap ones are ``async``: FastAPI runs a plain ``def`` dependency in its thread
pool, and three such hops cost an API call more than its own database work. A token's
user is read from the database (in a worker thread) on every request: a token holds
only while its user's id, name and token version stand."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from landbank.domain.rights import User
from landbank.services.database import Store
from landbank.services.tiles import TileCache
from landbank.services.users import authenticate, token_holder
from landbank.web.security import (
    CHECKED_TOKEN,
    SESSION_COOKIE,
    LoginLimiter,
    Signer,
    TimedCache,
    bearer_token,
    credential_key,
)


@dataclass
class Service:
    """What every request handler reads: the database (its one store in this process)
    and the service's keys."""

    store: Store
    signer: Signer
    limiter: LoginLimiter
    ogc_public: bool = False
    users: TimedCache = field(default_factory=TimedCache)
    tiles: TileCache = field(default_factory=TileCache)  # vector tiles by data stamp


async def service(request: Request) -> Service:
    return request.app.state.service


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _bearer(request: Request) -> str | None:
    return bearer_token(request.headers.get("authorization"))


def _unauthorized(message: str = "sign in first: POST /api/v1/auth/token") -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def token_user(svc: Service, token: str | None) -> User | None:
    """The user a valid token was made for, while it holds: read by id on every
    request (one primary-key read), so sign-out, a change of password, role or
    districts, and deletion end the token at once in every worker."""
    claims = svc.signer.claims(token)
    if not claims:
        return None
    uid, version, name = claims.get("i"), claims.get("v"), claims.get("u")
    if not isinstance(uid, int) or not isinstance(version, int) or not isinstance(name, str):
        return None
    return token_holder(svc.store, uid, version, name)


async def _token_user_async(
    svc: Service, token: str | None, request: Request | None = None
) -> User | None:
    """``token_user`` for async dependencies: the answer the edge guard already read
    for this request's token, or else the database read in a worker thread."""
    checked = request.scope.get("state", {}).get(CHECKED_TOKEN) if request else None
    if checked is not None and token is not None and checked[0] == token:
        return checked[1]  # the guard read the claims and the user of this very token
    if not svc.signer.claims(token):
        return None
    return await run_in_threadpool(token_user, svc, token)


async def api_member(request: Request, svc: Service = Depends(service)) -> User:
    """The user of the request's bearer token, of any role (a surveyor too: the routes
    of their own tasks, sign-out, /me); 401 without a valid one."""
    user = await _token_user_async(svc, _bearer(request), request)
    if user is None:
        raise _unauthorized()
    return user


SURVEYOR_REFUSED = "{name} is a surveyor: only your own tasks, at /api/v1/tasks"


async def api_user(user: User = Depends(api_member)) -> User:
    """A reader of the inventory: a viewer, clerk or admin; 403 for a surveyor, who
    reads nothing but their own tasks."""
    if user.is_surveyor:
        raise HTTPException(403, SURVEYOR_REFUSED.format(name=user.name))
    return user


async def api_surveyor(user: User = Depends(api_member)) -> User:
    """A surveyor (what they submit is theirs); 403 for every other role."""
    if not user.is_surveyor:
        raise HTTPException(403, f"{user.name} is a {user.role}: records come from surveyors")
    return user


async def api_writer(user: User = Depends(api_user)) -> User:
    """A clerk or an admin; 403 for a viewer."""
    if not user.can_write:
        raise HTTPException(403, f"{user.name} is a {user.role}: reading only")
    return user


async def session_user_async(request: Request, svc: Service) -> User | None:
    """The user of the session cookie, or None (a database read in a worker thread)."""
    return await _token_user_async(svc, request.cookies.get(SESSION_COOKIE), request)


def session_user(request: Request, svc: Service = Depends(service)) -> User | None:
    """The user of the session cookie, or None."""
    return token_user(svc, request.cookies.get(SESSION_COOKIE))


def gis_user(request: Request, svc: Service = Depends(service)) -> User | None:
    """Who reads /ogc: a bearer token, HTTP Basic (QGIS's basic authentication) or a
    session cookie; None when the service publishes /ogc to everyone. 401 otherwise."""
    user = token_user(svc, _bearer(request)) or session_user(request, svc)
    auth = request.headers.get("authorization", "")
    if user is None and auth.lower().startswith("basic "):
        try:
            name, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            name, password = "", ""
        address = request.client.host if request.client else "?"
        key = "basic:" + credential_key(name, password, svc.signer.key)
        kept = svc.users.get(key)
        # a credential remembered holds while its user's token version stands
        user = token_holder(svc.store, kept.id, kept.token_version, kept.name) if kept else None
        if user is None:
            wait = svc.limiter.begin(address, name)
            if wait:
                raise HTTPException(
                    429, "too many failed sign-ins; wait and try again", {"Retry-After": str(wait)}
                )
            user = authenticate(svc.store, name, password) if name else None
            if user is not None:
                svc.limiter.succeeded(address, name)
                svc.users.put(key, user)
    if user is not None and user.is_surveyor:
        if svc.ogc_public:
            return None  # what everyone may read, read as anyone
        raise HTTPException(403, f"{user.name} is a surveyor: only your own tasks")
    if user is None and not svc.ogc_public:
        raise HTTPException(
            401, "sign in: HTTP Basic or a bearer token", headers={"WWW-Authenticate": "Basic"}
        )
    return user
