"""OAuth2 with authlib's helpers: the consent URL (PKCE S256 and state), the code exchange, the
client-credentials and refresh grants, and the JWT bearer grant (RFC 7523) of service accounts.

Client authentication at the token endpoint is ``client_secret_post`` (the id and secret in the
form body), which the providers this format targets accept. Token lifetimes are turned into an
absolute ``expires_at`` (epoch seconds) from the client's clock, so expiry is testable.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from sluice_descriptor.client.clock import Clock, SystemClock, epoch
from sluice_descriptor.client.errors import ApiError, AuthFailed, ConfigurationProblem
from sluice_descriptor.client.transport import Outgoing, Transport
from sluice_descriptor.model import AuthProfile

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_KEYS = ("access_token", "refresh_token", "expires_at", "token_type", "scope")


def new_state() -> str:
    """An unguessable ``state`` for one consent."""
    return str(generate_token(32))


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1: 43-128 characters of the unreserved set)."""
    return str(generate_token(64))


def scope_text(profile: AuthProfile, scopes: Sequence[str] | None = None) -> str | None:
    chosen = list(scopes) if scopes else (profile.oauth.default_scopes if profile.oauth else [])
    return " ".join(chosen) or None


def _oauth_url(profile: AuthProfile, which: str) -> str:
    url = getattr(profile.oauth, which, None) if profile.oauth else None
    if not url:
        raise ConfigurationProblem(f"authentication profile {profile.type} has no oauth.{which}")
    return str(url)


def authorization_url(
    profile: AuthProfile,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_verifier: str,
    scopes: Sequence[str] | None = None,
) -> str:
    """The provider's consent page for an ``oauth2_authorization_code`` profile."""
    return str(
        prepare_grant_uri(
            _oauth_url(profile, "authorize_url"),
            client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=scope_text(profile, scopes),
            state=state,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
    )


async def exchange_code(
    profile: AuthProfile,
    *,
    client_id: str,
    client_secret: str | None,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    session: aiohttp.ClientSession,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """The token for a consent's ``code``: access_token, refresh_token, expires_at (epoch seconds),
    token_type, scope."""
    clock = clock or SystemClock()
    return await request_token(
        Transport(session, clock=clock),
        _oauth_url(profile, "token_url"),
        "authorization_code",
        what="authorization code",
        client_id=client_id,
        client_secret=client_secret,
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
    )


async def client_credentials_token(
    transport: Transport, profile: AuthProfile, client_id: str, client_secret: str
) -> dict[str, Any]:
    return await request_token(
        transport,
        _oauth_url(profile, "token_url"),
        "client_credentials",
        what="client credentials",
        client_id=client_id,
        client_secret=client_secret,
        scope=scope_text(profile),
    )


async def refresh_token(
    transport: Transport,
    profile: AuthProfile,
    client_id: str | None,
    client_secret: str | None,
    token: Mapping[str, Any],
) -> dict[str, Any]:
    """A fresh token from ``token['refresh_token']``; the old refresh token is kept when the
    provider does not rotate it."""
    refreshed = await request_token(
        transport,
        _oauth_url(profile, "token_url"),
        "refresh_token",
        what="refresh token",
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=str(token["refresh_token"]),
    )
    if not refreshed.get("refresh_token"):
        refreshed["refresh_token"] = token["refresh_token"]
    return refreshed


async def jwt_bearer_token(
    transport: Transport, token_url: str, assertion: str, scope: str | None
) -> dict[str, Any]:
    return await request_token(
        transport,
        token_url,
        JWT_BEARER_GRANT,
        what="service account assertion",
        assertion=assertion,
        scope=scope,
    )


async def request_token(
    transport: Transport,
    token_url: str,
    grant_type: str,
    *,
    what: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    **fields: str | None,
) -> dict[str, Any]:
    """POST one grant to the token endpoint and normalise the answer (see ``normalise_token``)."""
    form = {key: value for key, value in fields.items() if value}
    if client_id:
        form["client_id"] = client_id
    if client_secret:
        form["client_secret"] = client_secret
    body = prepare_token_request(grant_type, **form)
    response = await transport.send(
        Outgoing("POST", token_url, headers={"Accept": "application/json"}, form_body=body)
    )
    answer = _as_mapping(response.body)
    if response.status in (400, 401, 403):
        error = answer.get("error") or "refused"
        raise AuthFailed(
            response.status,
            f"the token endpoint refused the {what} ({error})",
            {k: answer[k] for k in ("error", "error_description") if k in answer},
        )
    if not 200 <= response.status < 300:
        raise ApiError(response.status, f"the token endpoint answered {response.status}", None)
    return normalise_token(answer, epoch(transport.clock))


def normalise_token(answer: Mapping[str, Any], now: float) -> dict[str, Any]:
    """access_token, refresh_token, expires_at (absolute, from ``expires_in`` and ``now``),
    token_type and scope of a token endpoint's answer."""
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ApiError(200, "the token endpoint answered without an access_token", None)
    expires_at: float | None = None
    if answer.get("expires_in") not in (None, ""):
        expires_at = int(now + float(answer["expires_in"]))
    elif answer.get("expires_at") not in (None, ""):
        expires_at = int(float(answer["expires_at"]))
    return {
        "access_token": access_token,
        "refresh_token": answer.get("refresh_token"),
        "expires_at": expires_at,
        "token_type": answer.get("token_type") or "Bearer",
        "scope": answer.get("scope"),
    }


def _as_mapping(body: Any) -> Mapping[str, Any]:
    """Token answers are JSON; a few providers answer form-encoded text."""
    if isinstance(body, Mapping):
        return body
    if isinstance(body, str) and "=" in body:
        return dict(urllib.parse.parse_qsl(body))
    return {}
