"""The console's session: a signed cookie holding the CSRF token and whether the holder signed in.

Nothing is stored on the server, so every replica accepts every session. The cookie is signed
(itsdangerous, HMAC-SHA256) with keys derived from the admin tokens: a valid signature proves the
holder once presented an admin token, and rotating the tokens ends every session. Like the admin
API, a manager with no admin token admits nobody (the manager's entry point always has one): the
key is then random per process and only carries a visitor's CSRF token to the login form.

itsdangerous rather than aiohttp-session: the session is two fields that must be signed, not
encrypted or stored, and the key derivation above is the whole design; itsdangerous does exactly
the signing and expiry and is already installed with the manager's dependencies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from sluice_manager.http.auth import BearerTokens

COOKIE_NAME = "sluice_console"
MAX_AGE_SECONDS = 12 * 3600
_KEY_CONTEXT = b"sluice-console-session-v1"


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie says: the per-session CSRF token and whether the holder signed in."""

    csrf: str
    signed_in: bool

    @classmethod
    def fresh(cls, *, signed_in: bool) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), signed_in=signed_in)


class SessionCodec:
    """Signs and reads session cookies; checks an admin token typed into the login form."""

    def __init__(self, admin_tokens: Sequence[str]) -> None:
        if admin_tokens:
            keys = [
                hmac.new(token.encode(), _KEY_CONTEXT, hashlib.sha256).digest()
                for token in admin_tokens
            ]
        else:
            keys = [secrets.token_bytes(32)]
        # itsdangerous signs with the last key and accepts any of them.
        self._serializer = URLSafeTimedSerializer(keys, salt="sluice-console")
        self._admin = BearerTokens("admin", admin_tokens)

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps({"c": session.csrf, "s": session.signed_in})

    def loads(self, value: str | None) -> Session | None:
        """The session a cookie holds; None when absent, forged, malformed or expired."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=MAX_AGE_SECONDS)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        csrf, signed_in = data.get("c"), data.get("s")
        if not isinstance(csrf, str) or not isinstance(signed_in, bool) or not csrf:
            return None
        return Session(csrf=csrf, signed_in=signed_in)

    def token_ok(self, token: str) -> bool:
        """Whether ``token`` is one of the admin tokens (compared in constant time)."""
        return bool(token) and self._admin.allowed(f"Bearer {token}")

    @staticmethod
    def csrf_ok(session: Session, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(
            session.csrf.encode(), presented.encode()
        )
