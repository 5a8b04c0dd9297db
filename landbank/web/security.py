"""Signing in: signed bearer tokens and session cookies, CSRF tokens for form posts,
and a limit on failed sign-ins. Keys come from the database (generated on first start).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TOKEN_HOURS = 12
SESSION_COOKIE = "landbank_session"
CSRF_FIELD = "csrf_token"
# where the edge guard leaves the user it read for a request's token (scope["state"])
CHECKED_TOKEN = "landbank.checked_token"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme in any
    case), or None: the one reading of it, for the edge guard and the routes."""
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Signer:
    """Makes and reads the tokens of one service (bearer tokens and session cookies
    carry the same signed payload: the user's name, id and token version; a token holds
    only while the stored user has that id, name and version, see
    ``services.users.token_holder``)."""

    def __init__(self, secret: str):
        self._secret = secret.encode()
        self.key = hashlib.sha256(b"credential-cache" + self._secret).digest()
        self._tokens = URLSafeTimedSerializer(secret, salt="landbank-token")

    def token(self, name: str, user_id: int | None = None, version: int = 0) -> str:
        return self._tokens.dumps({"u": name, "i": user_id, "v": version})

    def claims(self, token: str | None) -> dict | None:
        """The payload of a genuine, unexpired token (``u`` name, ``i`` id, ``v``
        version), or None."""
        if not token:
            return None
        try:
            data = self._tokens.loads(token, max_age=TOKEN_HOURS * 3600)
        except (BadSignature, SignatureExpired):
            return None
        return data if isinstance(data, dict) else None

    def name_of(self, token: str | None) -> str | None:
        """The user name a token was made for, or None when it is forged or expired."""
        data = self.claims(token)
        return data.get("u") if data else None

    def csrf(self, session_token: str) -> str:
        """The CSRF token of a session: an HMAC of its cookie, checked on every post."""
        return hmac.new(self._secret, session_token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_token: str | None, sent: str | None) -> bool:
        if not session_token or not sent:
            return False
        return hmac.compare_digest(self.csrf(session_token), sent)


class LoginLimiter:
    """At most ``attempts`` sign-in tries per client address and per user name reach
    the password check in ``window_s``; beyond that sign-in is refused until the window
    ends. Counted in the database (``services.users.begin_sign_in``), so the limit
    holds across the service's workers and for tries sent at once."""

    def __init__(self, store, attempts: int = 5, window_s: float = 300.0):
        self.store, self.attempts, self.window_s = store, attempts, window_s

    def begin(self, address: str, name: str) -> int:
        """0 when this try may check its password (and is counted), else the seconds
        to wait."""
        from landbank.services.users import begin_sign_in

        return begin_sign_in(self.store, address, name, self.attempts, self.window_s)

    def succeeded(self, address: str, name: str) -> None:
        from landbank.services.users import sign_in_succeeded

        sign_in_succeeded(self.store, address, name)


class TimedCache:
    """Remembers values for ``ttl_s`` seconds: whom a Basic credential belongs to, so a
    GIS client (which sends it with every tile of features) costs no argon2 hash a
    request. What is remembered is checked against the stored token version on every
    request: a change of password or role ends it at once."""

    def __init__(self, ttl_s: float = 10.0, size: int = 1024):
        self.ttl_s, self.size = ttl_s, size
        self._items: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() > hit[0]:
                self._items.pop(key, None)
                return None
            return hit[1]

    def put(self, key: str, value) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl_s, value)


def credential_key(name: str, password: str, secret: bytes) -> str:
    """A keyed digest of a Basic credential: the cache never holds a password."""
    return hmac.new(secret, f"{name}\x00{password}".encode(), hashlib.sha256).hexdigest()
