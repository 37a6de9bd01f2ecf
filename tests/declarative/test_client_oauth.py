"""OAuth2 against oauth2-mock-server: client credentials, authorization code with PKCE and refresh,
and the service account JWT bearer grant. Access tokens are checked against the mock's JWKS.

httpbin's ``/bearer`` echoes the token it got. For the refresh-on-401 path a small resource server
here verifies tokens with the mock's public keys and refuses the ones a test revokes (no
third-party API revokes a JWT on request)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from yarl import URL

from sluice_descriptor.client import (
    ApiClient,
    AuthFailed,
    LimiterRegistry,
    TokenCache,
    oauth,
    run_test_endpoint,
)
from sluice_descriptor.client.service_account import ServiceAccountKey, sign_assertion
from sluice_descriptor.model import Descriptor
from sluice_runtime.clock import FrozenClock
from tests.declarative.descriptors import descriptor, operation
from tests.support.thirdparty import RunningServer

REDIRECT_URI = "http://127.0.0.1:9/oauth/callback"


@dataclass
class ResourceServer:
    """An API that accepts the mock's tokens unless revoked; counts the requests it saw."""

    keys: KeySet
    base_url: str = ""
    revoked: set[str] = field(default_factory=set)
    refuse_all: bool = False
    seen: list[str] = field(default_factory=list)

    async def me(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.seen.append(token)
        try:
            claims = jwt.decode(token, self.keys).claims
        except (JoseError, ValueError):
            return web.json_response({"error": "invalid_token"}, status=401)
        if self.refuse_all or token in self.revoked:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"sub": claims.get("sub"), "token": token})


async def mock_keys(session: aiohttp.ClientSession, server: RunningServer) -> KeySet:
    async with session.get(server.url("/jwks")) as response:
        return KeySet.import_key_set(await response.json())


def claims_of(token: str, keys: KeySet) -> dict[str, Any]:
    """The claims of a token the mock signed (the signature is verified)."""
    return dict(jwt.decode(token, keys).claims)


@pytest.fixture
async def resource_server(
    session: aiohttp.ClientSession, oauth2_server: RunningServer
) -> AsyncIterator[ResourceServer]:
    resource = ResourceServer(await mock_keys(session, oauth2_server))
    app = web.Application()
    app.router.add_get("/me", resource.me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    resource.base_url = f"http://127.0.0.1:{port}"
    yield resource
    await runner.cleanup()


def rsa_pem() -> tuple[str, rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


def oauth_descriptor(oauth2: RunningServer, httpbin: RunningServer, api: str) -> Descriptor:
    return descriptor(
        [
            {
                "type": "oauth2_client_credentials",
                "fields": [
                    {"key": "client_id", "label": "Client ID"},
                    {"key": "client_secret", "label": "Client secret", "field_type": "secret"},
                ],
                "oauth": {
                    "token_url": oauth2.url("/token"),
                    "scopes": [{"name": "api:read"}, {"name": "api:write"}],
                    "default_scopes": ["api:read", "api:write"],
                },
                "test_endpoint": {"url": httpbin.url("/bearer")},
            },
            {
                "type": "oauth2_authorization_code",
                "oauth": {
                    "authorize_url": oauth2.url("/authorize"),
                    "token_url": oauth2.url("/token"),
                    "scopes": [{"name": "read:things"}],
                    "default_scopes": ["read:things"],
                },
            },
            {
                "type": "service_account",
                "fields": [
                    {"key": "service_account_json", "label": "Key", "field_type": "json"},
                ],
                "oauth": {"token_url": oauth2.url("/token"), "default_scopes": ["files.read"]},
            },
        ],
        [
            operation("bearer", httpbin.url("/bearer"), "oauth2_client_credentials"),
            operation("me", f"{api}/me", "oauth2_authorization_code"),
        ],
    )


def make_client(
    d: Descriptor,
    session: aiohttp.ClientSession,
    auth_type: str,
    credentials: dict[str, Any],
    clock: FrozenClock,
    cache: TokenCache | None = None,
) -> ApiClient:
    return ApiClient(
        d,
        config={},
        credentials=credentials,
        auth_type=auth_type,
        session=session,
        connection_key="c1",
        limiters=LimiterRegistry(),
        token_cache=cache if cache is not None else TokenCache(),
        clock=clock,
    )


# -- client credentials ---------------------------------------------------------------------------


async def test_client_credentials_token_is_fetched_signed_and_sent(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")
    client = make_client(
        d, session, "oauth2_client_credentials", {"client_id": "cid", "client_secret": "s"}, clock
    )

    echoed = (await client.call("bearer")).body

    claims = claims_of(echoed["token"], await mock_keys(session, oauth2_server))
    assert echoed["authenticated"] is True
    assert claims["scope"] == "api:read api:write"


async def test_client_credentials_token_is_cached_until_it_expires(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")
    client = make_client(
        d, session, "oauth2_client_credentials", {"client_id": "cid", "client_secret": "s"}, clock
    )

    first = (await client.call("bearer")).body["token"]
    clock.advance(3000)
    cached = (await client.call("bearer")).body["token"]
    clock.advance(600)  # past the mock's 3600 s lifetime
    renewed = (await client.call("bearer")).body["token"]

    assert cached == first
    assert renewed != first


async def test_concurrent_calls_share_one_token_fetch(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")
    client = make_client(
        d, session, "oauth2_client_credentials", {"client_id": "cid", "client_secret": "s"}, clock
    )

    responses = await asyncio.gather(*(client.call("bearer") for _ in range(4)))

    # Every token the mock issues has its own jti: one token means one fetch.
    assert len({response.body["token"] for response in responses}) == 1


async def test_client_credentials_test_endpoint_passes(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")

    outcome = await run_test_endpoint(
        d, "oauth2_client_credentials", {}, {"client_id": "cid", "client_secret": "s"}, session
    )

    assert outcome.ok, outcome.message
    assert outcome.status == 200


# -- authorization code ---------------------------------------------------------------------------


async def consent(
    d: Descriptor, session: aiohttp.ClientSession, clock: FrozenClock
) -> dict[str, Any]:
    """The consent a person would give: follow /authorize to the redirect, exchange the code."""
    profile = d.auth_profile("oauth2_authorization_code")
    assert profile is not None
    verifier = oauth.new_code_verifier()
    state = oauth.new_state()
    url = oauth.authorization_url(
        profile, client_id="cid", redirect_uri=REDIRECT_URI, state=state, code_verifier=verifier
    )
    query = URL(url).query
    assert query["code_challenge"] == create_s256_code_challenge(verifier)
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "read:things"
    async with session.get(url, allow_redirects=False) as redirect:
        assert redirect.status == 302
        back = URL(redirect.headers["Location"])
    assert str(back.with_query(None)) == REDIRECT_URI
    assert back.query["state"] == state
    return await oauth.exchange_code(
        profile,
        client_id="cid",
        client_secret="secret",
        code=back.query["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
        session=session,
        clock=clock,
    )


async def test_authorization_code_consent_yields_a_token_with_absolute_expiry(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")

    token = await consent(d, session, clock)

    assert token["access_token"]
    assert token["refresh_token"]
    assert token["token_type"] == "Bearer"
    assert token["expires_at"] == int(clock.now().timestamp()) + 3600


async def test_a_wrong_pkce_verifier_is_refused(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")
    profile = d.auth_profile("oauth2_authorization_code")
    assert profile is not None
    url = oauth.authorization_url(
        profile,
        client_id="cid",
        redirect_uri=REDIRECT_URI,
        state="s",
        code_verifier=oauth.new_code_verifier(),
    )
    async with session.get(url, allow_redirects=False) as redirect:
        code = URL(redirect.headers["Location"]).query["code"]

    with pytest.raises(AuthFailed) as caught:
        await oauth.exchange_code(
            profile,
            client_id="cid",
            client_secret="secret",
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier=oauth.new_code_verifier(),
            session=session,
            clock=clock,
        )
    assert caught.value.status == 400


async def test_an_expired_access_token_is_refreshed_before_the_call(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    resource_server: ResourceServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, resource_server.base_url)
    token = await consent(d, session, clock)
    credentials = {"client_id": "cid", "client_secret": "secret", **token}
    cache = TokenCache()
    clock.advance(3600)

    first = await make_client(
        d, session, "oauth2_authorization_code", credentials, clock, cache
    ).call("me")
    # Another client of the same source (same cache) uses the refreshed token as it is.
    second = await make_client(
        d, session, "oauth2_authorization_code", credentials, clock, cache
    ).call("me")

    assert first.body["token"] != token["access_token"]
    assert second.body["token"] == first.body["token"]
    assert resource_server.seen == [first.body["token"], first.body["token"]]


async def test_a_401_refreshes_once_and_retries(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    resource_server: ResourceServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, resource_server.base_url)
    token = await consent(d, session, clock)
    resource_server.revoked.add(token["access_token"])
    client = make_client(
        d, session, "oauth2_authorization_code", {"client_id": "cid", **token}, clock
    )

    response = await client.call("me")

    assert response.status == 200
    assert resource_server.seen == [token["access_token"], response.body["token"]]


async def test_a_401_after_the_refresh_is_auth_failed(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    resource_server: ResourceServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    d = oauth_descriptor(oauth2_server, httpbin_server, resource_server.base_url)
    token = await consent(d, session, clock)
    resource_server.refuse_all = True
    client = make_client(
        d, session, "oauth2_authorization_code", {"client_id": "cid", **token}, clock
    )

    with pytest.raises(AuthFailed) as caught:
        await client.call("me")

    assert caught.value.status == 401
    assert len(resource_server.seen) == 2


# -- service account ------------------------------------------------------------------------------


async def test_service_account_exchanges_a_signed_assertion(
    oauth2_server: RunningServer,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    """oauth2-mock-server takes the JWT bearer grant (it reads the assertion's ``sub`` into the
    token it issues but does not verify the signature; the next test does)."""
    pem, _ = rsa_pem()
    key_json = {
        "type": "service_account",
        "client_email": "robot@project.iam.example",
        "private_key_id": "key-1",
        "private_key": pem,
        "token_uri": oauth2_server.url("/token"),
    }
    d = oauth_descriptor(oauth2_server, httpbin_server, "http://unused")
    client = make_client(
        d, session, "service_account", {"service_account_json": json.dumps(key_json)}, clock
    )

    echoed = (await client.call("bearer")).body

    claims = claims_of(echoed["token"], await mock_keys(session, oauth2_server))
    assert claims["sub"] == "robot@project.iam.example"
    assert claims["scope"] == "files.read"


def test_the_assertion_is_signed_by_the_key_with_rfc7523_claims() -> None:
    pem, public = rsa_pem()
    account = ServiceAccountKey(
        client_email="robot@project.iam.example",
        private_key=pem,
        private_key_id="key-1",
        token_uri="https://oauth2.example/token",
        subject=None,
    )

    assertion = sign_assertion(account, "https://oauth2.example/token", "files.read", 1_800_000_000)

    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    decoded = jwt.decode(assertion, RSAKey.import_key(public_pem))
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["kid"] == "key-1"
    claims = decoded.claims
    assert claims["iss"] == claims["sub"] == "robot@project.iam.example"
    assert claims["aud"] == "https://oauth2.example/token"
    assert claims["scope"] == "files.read"
    assert claims["iat"] == 1_800_000_000
    assert claims["exp"] == 1_800_003_600
    other, _ = rsa_pem()
    with pytest.raises(JoseError):
        jwt.decode(assertion, RSAKey.import_key(other))
    assert "PRIVATE" not in repr(account)
