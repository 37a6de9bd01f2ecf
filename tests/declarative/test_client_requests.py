"""How an operation becomes a request (httpbin's /anything echoes it; json-server decodes path
parameters), how answers are read and checked against response_schema, and the test endpoint."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sluice_descriptor.client import (
    ApiClient,
    ApiError,
    ConfigurationProblem,
    LimiterRegistry,
    TokenCache,
    run_test_endpoint,
)
from sluice_descriptor.model import Descriptor
from sluice_descriptor.params import ParamError
from tests.declarative.descriptors import BASE_URL_CONFIG, basic_profile, descriptor, operation
from tests.support.thirdparty import JsonServerFactory, RunningServer

ALICE = {"username": "alice", "password": "s3cret"}


def make_client(
    d: Descriptor,
    session: aiohttp.ClientSession,
    config: dict[str, Any],
    credentials: dict[str, Any] | None = None,
) -> ApiClient:
    return ApiClient(
        d,
        config=config,
        credentials=credentials or {},
        session=session,
        connection_key="c1",
        limiters=LimiterRegistry(),
        token_cache=TokenCache(),
    )


def echo_descriptor() -> Descriptor:
    return descriptor(
        [{"type": "none"}],
        [
            operation(
                "create_thing",
                "/anything/things",
                "none",
                method="POST",
                parameters=[
                    {"name": "tags", "location": "query", "field_type": "json"},
                    {"name": "dry_run", "location": "query", "field_type": "boolean"},
                    {"name": "X-Request-Label", "location": "header"},
                    {"name": "title", "location": "body", "required": True},
                    {
                        "name": "size",
                        "location": "body",
                        "field_type": "integer",
                        "default_value": 3,
                    },
                    {"name": "meta", "location": "body", "field_type": "json"},
                ],
            ),
            operation("page", "/json", "none"),
            operation("html", "/html", "none"),
            operation(
                "typed",
                "/anything",
                "none",
                response_schema={
                    "type": "object",
                    "required": ["method", "missing_member"],
                },
            ),
        ],
        source_config=BASE_URL_CONFIG,
    )


async def test_query_header_and_body_parameters(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    client = make_client(echo_descriptor(), session, {"base_url": httpbin_server.base_url})

    echoed = (
        await client.call(
            "create_thing",
            {
                "tags": ["a", "b c"],
                "dry_run": True,
                "X-Request-Label": "label-1",
                "title": "Hello",
                "meta": {"nested": [1, 2]},
            },
        )
    ).body

    assert echoed["method"] == "POST"
    assert echoed["args"] == {"tags": ["a", "b c"], "dry_run": "true"}
    assert echoed["headers"]["X-Request-Label"] == "label-1"
    assert echoed["json"] == {"title": "Hello", "size": 3, "meta": {"nested": [1, 2]}}


async def test_parameters_are_checked_before_any_request(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    client = make_client(echo_descriptor(), session, {"base_url": httpbin_server.base_url})

    with pytest.raises(ParamError) as caught:
        await client.call("create_thing", {"size": "many", "colour": "red"})

    paths = {problem.path for problem in caught.value.problems}
    assert paths == {"title", "size", "colour"}


async def test_path_parameters_are_percent_encoded(
    json_server_factory: JsonServerFactory, session: aiohttp.ClientSession
) -> None:
    server = json_server_factory({"notes": [{"id": "a/b c?d", "text": "odd id"}]})
    d = descriptor(
        [{"type": "none"}],
        [
            operation(
                "get_note",
                "/notes/{id}",
                "none",
                parameters=[{"name": "id", "location": "path", "required": True}],
            )
        ],
        source_config=BASE_URL_CONFIG,
    )
    client = make_client(d, session, {"base_url": server.base_url})

    response = await client.call("get_note", {"id": "a/b c?d"})

    assert response.body == {"id": "a/b c?d", "text": "odd id"}


async def test_json_answers_are_decoded_and_others_are_text(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    client = make_client(echo_descriptor(), session, {"base_url": httpbin_server.base_url})

    page = await client.call("page")
    html = await client.call("html")

    assert isinstance(page.body, dict)
    assert "slideshow" in page.body
    assert isinstance(html.body, str)
    assert html.body.lstrip().startswith("<!DOCTYPE html>")
    assert html.headers["content-type"].startswith("text/html")


async def test_a_response_breaking_response_schema_is_an_api_error_naming_the_path(
    json_server_factory: JsonServerFactory,
    httpbin_server: RunningServer,
    session: aiohttp.ClientSession,
) -> None:
    server = json_server_factory({"posts": [{"id": 1, "title": "fine"}, {"id": 2, "title": 5}]})
    d = descriptor(
        [{"type": "none"}],
        [
            operation(
                "list_posts",
                "/posts",
                "none",
                response_schema={
                    "type": "array",
                    "items": {"type": "object", "properties": {"title": {"type": "string"}}},
                },
            )
        ],
        source_config=BASE_URL_CONFIG,
    )
    client = make_client(d, session, {"base_url": server.base_url})

    with pytest.raises(ApiError) as caught:
        await client.call("list_posts")

    assert caught.value.status == 200
    assert "$[1].title" in caught.value.message
    assert "list_posts" in caught.value.message
    with pytest.raises(ApiError, match="missing_member"):
        await make_client(echo_descriptor(), session, {"base_url": httpbin_server.base_url}).call(
            "typed"
        )


async def test_a_relative_endpoint_needs_base_url(session: aiohttp.ClientSession) -> None:
    client = make_client(echo_descriptor(), session, {})

    with pytest.raises(ConfigurationProblem, match="base_url"):
        await client.call("page")


async def test_an_unknown_operation_is_a_configuration_problem(
    session: aiohttp.ClientSession,
) -> None:
    client = make_client(echo_descriptor(), session, {"base_url": "http://127.0.0.1:9"})

    with pytest.raises(ConfigurationProblem, match="no_such"):
        await client.call("no_such")


async def test_get_url_carries_the_operations_auth(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    d = descriptor(
        [basic_profile()],
        [operation("list", "/anything", "basic")],
        source_config=BASE_URL_CONFIG,
    )
    client = make_client(d, session, {"base_url": httpbin_server.base_url}, ALICE)

    page = await client.get_url(httpbin_server.url("/anything/page/2?cursor=x"), "list")

    assert page.body["url"].endswith("/anything/page/2?cursor=x")
    assert page.body["headers"]["Authorization"].startswith("Basic ")


# -- test endpoint --------------------------------------------------------------------------------


def basic_with_test_endpoint() -> Descriptor:
    return descriptor(
        [basic_profile(test_endpoint={"url": "/basic-auth/alice/s3cret"})],
        [operation("me", "/basic-auth/alice/s3cret", "basic")],
        source_config=BASE_URL_CONFIG,
    )


async def test_test_endpoint_accepts_good_credentials(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    outcome = await run_test_endpoint(
        basic_with_test_endpoint(), None, {"base_url": httpbin_server.base_url}, ALICE, session
    )

    assert outcome.ok
    assert outcome.status == 200


async def test_test_endpoint_reports_the_upstream_status_of_bad_credentials(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    outcome = await run_test_endpoint(
        basic_with_test_endpoint(),
        "basic",
        {"base_url": httpbin_server.base_url},
        {"username": "alice", "password": "wrong-one"},
        session,
    )

    assert not outcome.ok
    assert outcome.status == 401
    assert "wrong-one" not in outcome.message


async def test_test_endpoint_reports_unusable_configuration(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    outcome = await run_test_endpoint(
        basic_with_test_endpoint(), "basic", {"base_url": httpbin_server.base_url}, {}, session
    )

    assert not outcome.ok
    assert outcome.status is None
    assert "username" in outcome.message


async def test_test_endpoint_of_an_api_key_profile_uses_its_operations_headers(
    httpbin_server: RunningServer, session: aiohttp.ClientSession
) -> None:
    """The seed's Jira profile has a test endpoint but no headers; its operations carry them."""
    d = descriptor(
        [
            {
                "type": "api_key",
                "fields": [
                    {"key": "email", "label": "Email"},
                    {"key": "api_token", "label": "Token", "field_type": "secret"},
                ],
                "test_endpoint": {"url": "{base_url}/basic-auth/{email}/{api_token}"},
            }
        ],
        [
            operation(
                "me",
                "/anything",
                "api_key",
                auth_headers={"Authorization": "Basic {base64({email}:{api_token})}"},
            )
        ],
        source_config=BASE_URL_CONFIG,
    )

    good = await run_test_endpoint(
        d, None, {"base_url": httpbin_server.base_url}, {"email": "e", "api_token": "t"}, session
    )

    assert good.ok, good.message


async def test_a_profile_without_test_endpoint_passes(session: aiohttp.ClientSession) -> None:
    d = descriptor([{"type": "none"}], [operation("x", "http://127.0.0.1:9/x", "none")])

    outcome = await run_test_endpoint(d, None, {}, {}, session)

    assert outcome.ok
    assert outcome.status is None
