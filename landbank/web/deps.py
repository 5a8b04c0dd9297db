"""Request dependencies: the service, and the signed-in user by bearer token (API),
session cookie (pages) or, for GIS clients on /ogc, HTTP Basic.

The cheap ones are ``async``: FastAPI runs a plain ``def`` dependency in its thread
pool, and three such hops cost an API call more than its own database work. A user not
in the cache is still read from the database in a worker thread."""

from __future__ import annotations

import base64

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from landbank.domain.rights import User
from landbank.services.users import authenticate, get_user
from landbank.web.app import Service
from landbank.web.security import SESSION_COOKIE, credential_key


async def service(request: Request) -> Service:
    return request.app.state.service


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _unauthorized(message: str = "sign in first: POST /api/v1/auth/token") -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def _cached_user(svc: Service, token: str | None) -> tuple[str | None, User | None]:
    """The name a valid token carries and its user if cached (None, None: no token)."""
    name = svc.signer.name_of(token)
    return name, svc.users.get(f"user:{name}") if name else None


def _read_user(svc: Service, name: str) -> User | None:
    user = get_user(svc.db_url, name)
    if user is not None:
        svc.users.put(f"user:{name}", user)
    return user


def token_user(svc: Service, token: str | None) -> User | None:
    """The user a valid token names (looked up at most every few seconds)."""
    name, user = _cached_user(svc, token)
    return _read_user(svc, name) if name and user is None else user


async def _token_user_async(svc: Service, token: str | None) -> User | None:
    """``token_user`` for async dependencies: a database read goes to a worker thread."""
    name, user = _cached_user(svc, token)
    if name and user is None:
        user = await run_in_threadpool(_read_user, svc, name)
    return user


async def api_user(request: Request, svc: Service = Depends(service)) -> User:
    """The user of the request's bearer token; 401 without a valid one."""
    user = await _token_user_async(svc, _bearer(request))
    if user is None:
        raise _unauthorized()
    return user


async def api_writer(user: User = Depends(api_user)) -> User:
    """A clerk or an admin; 403 for a viewer."""
    if not user.can_write:
        raise HTTPException(403, f"{user.name} is a {user.role}: reading only")
    return user


async def session_user_async(request: Request, svc: Service) -> User | None:
    """The user of the session cookie, or None (a database read in a worker thread)."""
    return await _token_user_async(svc, request.cookies.get(SESSION_COOKIE))


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
        user = svc.users.get(key)
        if user is None:
            if svc.limiter.retry_after(address, name):
                raise HTTPException(429, "too many failed sign-ins; wait and try again")
            user = authenticate(svc.db_url, name, password) if name else None
            if user is None:
                svc.limiter.failed(address, name)
            else:
                svc.users.put(key, user)
    if user is None and not svc.ogc_public:
        raise HTTPException(
            401, "sign in: HTTP Basic or a bearer token", headers={"WWW-Authenticate": "Basic"}
        )
    return user
