"""Static credentials and credential chains against real servers: httpbin for basic, api key and
bearer headers; json-server-auth's POST /login as a credential chain."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sluice_descriptor.client import (
    ApiClient,
    AuthFailed,
    ConfigurationProblem,
    LimiterRegistry,
    TokenCache,
)
from sluice_descriptor.client.tokens import cache_key
from sluice_descriptor.model import Descriptor
from sluice_runtime.clock import FrozenClock
from tests.declarative.descriptors import BASE_URL_CONFIG, basic_profile, descriptor, operation
from tests.support.thirdparty import JsonServerFactory, RunningServer, register_user


def client_for(
    d: Descriptor,
    session: aiohttp.ClientSession,
    config: dict[str, Any],
    credentials: dict[str, Any],
    **options: Any,
) -> ApiClient:
    options.setdefault("limiters", LimiterRegistry())
    options.setdefault("token_cache", TokenCache())
    return ApiClient(
        d, config=config, credentials=credentials, session=session, connection_key="c1", **options
    )


async def test_basic_profile_sends_basic_from_username_and_password(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [basic_profile()],
        [operation("me", "/basic-auth/alice/s3cret", "basic")],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(
        d,
        session,
        {"base_url": httpbin_server.base_url},
        {"username": "alice", "password": "s3cret"},
    )

    response = await client.call("me")

    assert response.status == 200
    assert response.body == {"authenticated": True, "user": "alice"}


async def test_wrong_password_is_auth_failed_without_the_secret_in_the_message(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [basic_profile()],
        [operation("me", "/basic-auth/alice/s3cret", "basic")],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(
        d,
        session,
        {"base_url": httpbin_server.base_url},
        {"username": "alice", "password": "not-the-password"},
    )

    with pytest.raises(AuthFailed) as caught:
        await client.call("me")

    assert caught.value.status == 401
    assert "not-the-password" not in str(caught.value)


async def test_api_key_auth_headers_are_rendered_templates(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    """Jira's style: ``Authorization: Basic {base64({email}:{api_token})}``, plus a key header."""
    d = descriptor(
        [
            {
                "type": "api_key",
                "fields": [
                    {"key": "email", "label": "Email"},
                    {"key": "api_token", "label": "Token", "field_type": "secret"},
                ],
            }
        ],
        [
            operation(
                "me",
                "{base_url}/basic-auth/{email}/{api_token}",
                "api_key",
                auth_headers={"Authorization": "Basic {base64({email}:{api_token})}"},
            ),
            operation(
                "headers",
                "{base_url}/headers",
                "api_key",
                auth_headers={"X-Api-Key": "{api_token}", "X-Account": "{lower({email})}"},
            ),
        ],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(
        d,
        session,
        {"base_url": httpbin_server.base_url},
        {"email": "Ann@Example.com", "api_token": "tok-123"},
    )

    me = await client.call("me")
    headers = (await client.call("headers")).body["headers"]

    assert me.body == {"authenticated": True, "user": "Ann@Example.com"}
    assert headers["X-Api-Key"] == "tok-123"
    assert headers["X-Account"] == "ann@example.com"
    assert "Authorization" not in headers


async def test_bearer_through_auth_headers(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [{"type": "api_key", "fields": [{"key": "token", "label": "Token", "secret": True}]}],
        [
            operation(
                "bearer",
                "/bearer",
                "api_key",
                auth_headers={"Authorization": "Bearer {token}"},
            )
        ],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(d, session, {"base_url": httpbin_server.base_url}, {"token": "abc.def"})

    response = await client.call("bearer")

    assert response.body == {"authenticated": True, "token": "abc.def"}


async def test_none_profile_and_none_operations_send_no_authorization(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [basic_profile()],
        [operation("public_headers", "/headers", "none")],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(
        d, session, {"base_url": httpbin_server.base_url}, {"username": "u", "password": "p"}
    )

    headers = (await client.call("public_headers")).body["headers"]

    assert "Authorization" not in headers


async def test_a_template_naming_a_missing_credential_is_a_configuration_problem(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [{"type": "api_key", "fields": [{"key": "token", "label": "Token", "required": False}]}],
        [
            operation(
                "bearer", "/bearer", "api_key", auth_headers={"Authorization": "Bearer {token}"}
            )
        ],
        source_config=BASE_URL_CONFIG,
    )
    client = client_for(d, session, {"base_url": httpbin_server.base_url}, {})

    with pytest.raises(ConfigurationProblem, match=r"auth_headers\.Authorization.*token"):
        await client.call("bearer")


# -- credential chains against json-server-auth ---------------------------------------------------

LOGIN_CHAIN = {
    "chain_id": "login",
    "description": "json-server-auth login: email and password for a JWT",
    "initial_credentials_required": ["email", "password"],
    "steps": [
        {
            "step_name": "login",
            "endpoint": "{base_url}/login",
            "method": "POST",
            "body": {"email": "{email}", "password": "{password}"},
            "extract": {"bearer_token": "$.accessToken"},
            "ttl_seconds": 3600,
            "cache_key": "login:{email}",
        }
    ],
    "final_credential_name": "bearer_token",
}
POSTS = [
    {"id": 1, "title": "first", "userId": 1},
    {"id": 2, "title": "second", "userId": 1},
]


def chain_descriptor() -> Descriptor:
    return descriptor(
        [
            {
                "type": "api_key",
                "fields": [
                    {"key": "email", "label": "Email"},
                    {"key": "password", "label": "Password", "field_type": "password"},
                ],
                "credential_chain_id": "login",
            }
        ],
        [
            operation("list_posts", "/posts", "api_key", credential_field="bearer_token"),
            operation(
                "get_post_default_bearer",
                "/posts/{id}",
                "api_key",
                parameters=[
                    {"name": "id", "location": "path", "required": True, "field_type": "integer"}
                ],
            ),
            operation(
                "owned_post",
                "/600/posts/{id}",
                "api_key",
                parameters=[
                    {"name": "id", "location": "path", "required": True, "field_type": "integer"}
                ],
            ),
        ],
        credential_chains=[LOGIN_CHAIN],
        source_config=BASE_URL_CONFIG,
    )


async def test_credential_chain_logs_in_and_calls_a_guarded_route(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession
) -> None:
    server = json_server_factory({"posts": POSTS}, permissions={"posts": 660})
    register_user(server, "ann@example.com", "first-pass")
    client = client_for(
        chain_descriptor(),
        session,
        {"base_url": server.base_url},
        {"email": "ann@example.com", "password": "first-pass"},
    )
    async with session.get(server.url("/posts")) as anonymous:
        assert anonymous.status == 401

    listed = await client.call("list_posts")
    one = await client.call("get_post_default_bearer", {"id": 2})

    assert [post["title"] for post in listed.body] == ["first", "second"]
    assert one.body["title"] == "second"


async def test_chain_values_are_cached_for_their_ttl(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession, clock: FrozenClock
) -> None:
    """Within the TTL the cached token is used (the changed password goes unnoticed); past it the
    chain logs in again and the old password is refused."""
    server = json_server_factory({"posts": POSTS}, permissions={"posts": 660})
    token = register_user(server, "ann@example.com", "first-pass")
    cache = TokenCache()
    credentials = {"email": "ann@example.com", "password": "first-pass"}
    client = client_for(
        chain_descriptor(),
        session,
        {"base_url": server.base_url},
        credentials,
        token_cache=cache,
        clock=clock,
    )
    await client.call("list_posts")
    async with session.patch(
        server.url("/users/1"),
        json={"password": "second-pass"},
        headers={"Authorization": f"Bearer {token}"},
    ) as changed:
        assert changed.status == 200

    clock.advance(3000)
    assert (await client.call("list_posts")).status == 200

    clock.advance(700)
    with pytest.raises(AuthFailed) as caught:
        await client.call("list_posts")
    assert caught.value.status == 400
    assert "login" in caught.value.message


async def test_chain_runs_again_once_after_a_401(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession
) -> None:
    server = json_server_factory({"posts": POSTS}, permissions={"posts": 660})
    register_user(server, "ann@example.com", "first-pass")
    cache = TokenCache()
    # A token the API no longer accepts, cached under the step's rendered cache_key.
    key = cache_key("client-test", "chain-key", "login:ann@example.com")
    cache.put(key, {"bearer_token": "expired.or.revoked"}, None)
    client = client_for(
        chain_descriptor(),
        session,
        {"base_url": server.base_url},
        {"email": "ann@example.com", "password": "first-pass"},
        token_cache=cache,
    )

    listed = await client.call("list_posts")

    assert listed.status == 200
    renewed = cache.peek(key)
    assert renewed is not None
    assert renewed.values["bearer_token"] != "expired.or.revoked"


async def test_forbidden_after_a_fresh_login_is_auth_failed(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession
) -> None:
    server = json_server_factory({"posts": [{"id": 7, "title": "not yours", "userId": 99}]})
    register_user(server, "ann@example.com", "first-pass")
    client = client_for(
        chain_descriptor(),
        session,
        {"base_url": server.base_url},
        {"email": "ann@example.com", "password": "first-pass"},
    )

    with pytest.raises(AuthFailed) as caught:
        await client.call("owned_post", {"id": 7})

    assert caught.value.status == 403
