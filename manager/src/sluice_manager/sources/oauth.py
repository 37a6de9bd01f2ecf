"""OAuth2 authorization-code consent for a declarative source (docs/descriptor.md).

``start`` stores a one-time state with its PKCE verifier and redirect URI, and returns the
provider's consent URL. The provider sends the user back to the callback with a code and the
state; ``finish`` checks the state (unknown, used or expired → refused), exchanges the code at the
token endpoint and merges the tokens into the source's encrypted credential. The state is the only
thing that authenticates the callback, which carries no admin token: it is unguessable, bound to
one source, and used once.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import structlog

from sluice_descriptor.client.errors import ApiError, ClientError, UpstreamUnavailable
from sluice_descriptor.client.oauth import (
    authorization_url,
    exchange_code,
    new_code_verifier,
    new_state,
)
from sluice_descriptor.model import AuthProfile
from sluice_manager.services import Services
from sluice_manager.sources import pinning
from sluice_manager.sources.errors import OAuthRefused, SourceNotFound, UpstreamFailed
from sluice_manager.sources.models import (
    CredentialInput,
    OAuthCompleted,
    OAuthStartBody,
    OAuthStarted,
)
from sluice_manager.sources.repository import get_source
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

CALLBACK_PATH = "/api/oauth/callback"
CONSENT_TYPE = "oauth2_authorization_code"


@dataclass(frozen=True, slots=True)
class _Consentable:
    profile: AuthProfile
    credential: CredentialInput
    client_id: str


def _check_redirect(uri: str) -> str:
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OAuthRefused("redirect_uri must be an absolute http or https URL")
    return uri


async def _consentable(services: Services, source_id: str) -> _Consentable:
    rec = await get_source(services.pool, source_id)
    if rec is None or rec.is_deleted:
        raise SourceNotFound(source_id)
    pinned = await pinning.pinned_of(services.pool, rec)
    if pinned is None:
        raise OAuthRefused(f"source {source_id} is not declarative: it has no OAuth profile")
    credential = await pinning.stored_credential(services.pool, source_id, services.secrets)
    if credential is None:
        raise OAuthRefused(f"source {source_id} has no credential: give client_id first")
    profile = pinned.descriptor.auth_profile(credential.auth_type or None)
    if profile is None or profile.type != CONSENT_TYPE:
        raise OAuthRefused(
            f"source {source_id} authenticates with {credential.auth_type or 'nothing'}, "
            f"not {CONSENT_TYPE}"
        )
    client_id = credential.credentials.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise OAuthRefused(f"the credential of source {source_id} has no client_id")
    return _Consentable(profile, credential, client_id)


async def start(services: Services, source_id: str, body: OAuthStartBody) -> OAuthStarted:
    target = await _consentable(services, source_id)
    redirect_uri = _check_redirect(
        body.redirect_uri or services.settings.base_url() + CALLBACK_PATH
    )
    state, verifier = new_state(), new_code_verifier()
    try:
        url = authorization_url(
            target.profile,
            client_id=target.client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_verifier=verifier,
            scopes=body.scopes,
        )
    except ClientError as exc:  # the profile lacks oauth.authorize_url
        raise OAuthRefused(str(exc)) from exc
    now = services.clock.now()
    expires_at = now + timedelta(seconds=services.settings.oauth_state_ttl_seconds)
    async with services.pool.acquire() as conn, conn.transaction():
        await conn.execute(QUERIES.delete_expired_oauth_states, now)
        await conn.execute(
            QUERIES.insert_oauth_state, state, source_id, verifier, redirect_uri, now, expires_at
        )
    log.info("oauth_consent_started", source_id=source_id)
    return OAuthStarted(
        authorize_url=url, state=state, redirect_uri=redirect_uri, expires_at=expires_at
    )


async def _exchange(
    services: Services, target: _Consentable, code: str, redirect_uri: str, verifier: str
) -> dict[str, Any]:
    secret = target.credential.credentials.get("client_secret")
    limit = services.settings.upstream_check_timeout_seconds
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=limit)) as session:
            return await exchange_code(
                target.profile,
                client_id=target.client_id,
                client_secret=secret if isinstance(secret, str) else None,
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=verifier,
                session=session,
            )
    except ApiError as exc:
        raise UpstreamFailed(f"the code exchange failed: {exc.message}", exc.status) from exc
    except (UpstreamUnavailable, aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise UpstreamFailed("the token endpoint did not answer the code exchange", None) from exc
    except ClientError as exc:
        raise OAuthRefused(str(exc)) from exc


async def finish(
    services: Services, state: str, code: str | None, provider_error: str | None
) -> OAuthCompleted:
    """Complete the consent ``state`` started; OAuthRefused for a bad state or a refused consent."""
    found = await services.pool.fetchrow(QUERIES.select_oauth_state, state, services.clock.now())
    if found is None:
        raise OAuthRefused("unknown or expired OAuth state: start the consent again")
    source_id: str = found["source_id"]
    if provider_error is not None or not code:
        await services.pool.execute(QUERIES.delete_oauth_state, state)
        log.info("oauth_consent_refused", source_id=source_id, error=provider_error)
        raise OAuthRefused(f"the provider did not grant consent: {provider_error or 'no code'}")
    target = await _consentable(services, source_id)
    token = await _exchange(services, target, code, found["redirect_uri"], found["code_verifier"])
    expires_at = None
    if isinstance(token.get("expires_at"), int | float):
        expires_at = datetime.fromtimestamp(token["expires_at"], tz=UTC)
    now = services.clock.now()
    async with services.pool.acquire() as conn, conn.transaction():
        if await conn.fetchrow(QUERIES.select_source_for_update, source_id) is None:
            raise SourceNotFound(source_id)
        if await conn.fetchval(QUERIES.delete_oauth_state, state) is None:
            raise OAuthRefused("this OAuth state was used already: start the consent again")
        current = await pinning.stored_credential(conn, source_id, services.secrets)
        secret = dict(current.credentials) if current is not None else {}
        secret.update({key: value for key, value in token.items() if value is not None})
        await conn.execute(
            QUERIES.update_credential_secret,
            source_id,
            services.secrets.encrypt(secret),
            expires_at,
            now,
        )
    log.info("oauth_consent_completed", source_id=source_id)
    return OAuthCompleted(source_id=source_id, expires_at=expires_at)
