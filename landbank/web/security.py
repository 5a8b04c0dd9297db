"""Signing in: signed bearer tokens and session cookies, CSRF tokens for form posts,
and a limit on failed sign-ins. Keys come from the database (generated on first start).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TOKEN_HOURS = 12
SESSION_COOKIE = "landbank_session"
CSRF_FIELD = "csrf_token"


class Signer:
    """Makes and reads the tokens of one service (bearer tokens and session cookies
    carry the same signed payload: the user's name)."""

    def __init__(self, secret: str):
        self._secret = secret.encode()
        self.key = hashlib.sha256(b"credential-cache" + self._secret).digest()
        self._tokens = URLSafeTimedSerializer(secret, salt="landbank-token")

    def token(self, name: str) -> str:
        return self._tokens.dumps({"u": name})

    def name_of(self, token: str | None) -> str | None:
        """The user name a token was made for, or None when it is forged or expired."""
        if not token:
            return None
        try:
            data = self._tokens.loads(token, max_age=TOKEN_HOURS * 3600)
        except (BadSignature, SignatureExpired):
            return None
        return data.get("u") if isinstance(data, dict) else None

    def csrf(self, session_token: str) -> str:
        """The CSRF token of a session: an HMAC of its cookie, checked on every post."""
        return hmac.new(self._secret, session_token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_token: str | None, sent: str | None) -> bool:
        if not session_token or not sent:
            return False
        return hmac.compare_digest(self.csrf(session_token), sent)


class LoginLimiter:
    """At most ``attempts`` failed sign-ins per client address and per user name in
    ``window_s``; beyond that sign-in is refused until the oldest failure ages out."""

    def __init__(self, attempts: int = 5, window_s: float = 300.0):
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _keys(self, address: str, name: str) -> tuple[str, str]:
        return f"addr:{address}", f"user:{name.lower()}"

    def retry_after(self, address: str, name: str) -> int:
        """Seconds until another try is allowed; 0 when allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in self._keys(address, name):
                q = self._failures.get(key)
                while q and now - q[0] > self.window_s:
                    q.popleft()
                if q and len(q) >= self.attempts:
                    wait = max(wait, self.window_s - (now - q[0]))
        return int(wait) + (1 if wait else 0)

    def failed(self, address: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(address, name):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(address, name)[1], None)


class TimedCache:
    """Remembers values for ``ttl_s`` seconds: who a token or a Basic credential
    belongs to, so a request costs no database lookup (and no argon2 hash for GIS
    clients, which send Basic credentials with every tile of features). A change of
    role or password takes effect within ``ttl_s``."""

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
