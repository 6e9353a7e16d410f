"""Sessions for people: log in once with an API key, then a signed cookie.

The cookie holds the key's id, the person's name and role, an expiry and a random nonce,
signed with HMAC-SHA256 (stdlib only). The key itself is never stored in the cookie; each
request re-reads the key's record, so revoking a key ends its sessions at once.

The signing secret is `BACKORDER_SESSION_SECRET` when set (every worker of a deployment
must share it), else a random secret kept in `<home>/session.key` (created once, mode
0600), so a restart does not log everyone out.

Forms that change something carry a CSRF token derived from the session nonce; the cookie
is `HttpOnly` and `SameSite=Lax`, and `Secure` when the request came over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from backorder.service_layer.access import Caller, Role

COOKIE = "bo_session"
LIFETIME_SECONDS = 12 * 3600
SECRET_ENV = "BACKORDER_SESSION_SECRET"
SECRET_FILE = "session.key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(home: Path) -> bytes:
    """The signing secret: from the environment, else from (or created in) the home dir."""
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode()
    home.mkdir(parents=True, exist_ok=True)
    path = home / SECRET_FILE
    try:
        # O_EXCL: of two workers starting together, one creates the file, the other reads it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            stored = path.read_text(encoding="ascii").strip()
            if stored:
                return stored.encode()
            time.sleep(0.01)  # the creator has not written it yet
        raise RuntimeError(f"{path} is empty: delete it to make a new session secret") from None
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret)
    return secret.encode()


@dataclass(frozen=True)
class Session:
    """A signed-in person."""

    key_id: str
    name: str
    role: Role
    expires: int
    nonce: str

    @property
    def caller(self) -> Caller:
        """The caller the handlers see (same audit identity as the API key)."""
        return Caller(key_id=self.key_id, name=self.name, role=self.role)


class SessionSigner:
    """Signs and verifies session cookies and CSRF tokens."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"backorder session\x00" + secret).digest()

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self._key, message.encode(), hashlib.sha256).digest())

    def issue(self, caller: Caller, now: float | None = None) -> tuple[str, Session]:
        """A new session for `caller`: the cookie value and the session."""
        session = Session(
            key_id=caller.key_id,
            name=caller.name,
            role=caller.role,
            expires=int((now or time.time()) + LIFETIME_SECONDS),
            nonce=secrets.token_urlsafe(12),
        )
        body = _b64(
            json.dumps(
                [session.key_id, session.name, session.role.value, session.expires, session.nonce],
                separators=(",", ":"),
            ).encode()
        )
        return f"{body}.{self._mac(body)}", session

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session in a cookie, or None if it is missing, forged, garbled or expired."""
        if not cookie or "." not in cookie:
            return None
        body, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            key_id, name, role, expires, nonce = json.loads(_unb64(body))
            session = Session(str(key_id), str(name), Role(role), int(expires), str(nonce))
        except (ValueError, TypeError):
            return None
        if session.expires <= (now or time.time()):
            return None
        return session

    def csrf(self, session: Session) -> str:
        """The CSRF token of a session (forms and htmx requests send it back)."""
        return self._mac(f"csrf:{session.key_id}:{session.nonce}")

    def check_csrf(self, session: Session, token: str | None) -> bool:
        """True when `token` is the session's CSRF token."""
        return bool(token) and hmac.compare_digest(str(token), self.csrf(session))
