"""Operations as actions: ``resolve_action`` builds the action from the request's descriptor, the
SDK validates its params against the operation's declaration, and the handler calls the API (a
real json-server) and returns the upstream status and body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel

from sluice_connector_declarative.actions import params_model
from sluice_descriptor.model import Descriptor
from sluice_descriptor.params import input_schema
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import ActionContext, Connector, action
from sluice_sdk.models import ActionRequest
from sluice_sdk.server_actions import handle_action
from tests.connectors.declarative.support import connector, descriptor, operation, param
from tests.support.thirdparty import JsonServer, JsonServerFactory

STAMP = "2026-03-04T10:00:00Z"
GET_POST = operation(
    "get_post",
    "/posts/{id}",
    param("id", "integer", "path", required=True),
    response_schema={"type": "object", "required": ["id", "title"]},
)
CREATE_POST = operation(
    "create_post",
    "/posts",
    param("title", location="body", required=True),
    param("views", "integer", "body", default_value=0),
    param("draft", "boolean", "body"),
    method="POST",
    tags=["write"],
)
GET_COMMENT_AS_POST = operation(
    "get_comment_as_post",
    "/comments/{id}",
    param("id", "integer", "path", required=True),
    response_schema={"type": "object", "required": ["title"]},
)
DOCUMENT = descriptor([GET_POST, CREATE_POST, GET_COMMENT_AS_POST])


@pytest.fixture
def server(json_server_factory: JsonServerFactory) -> JsonServer:
    return json_server_factory(
        {"posts": [{"id": 1, "title": "First"}], "comments": [{"id": 1, "text": "hi"}]}
    )


@pytest.fixture
async def manager_client() -> AsyncIterator[ManagerClient]:
    client = ManagerClient("http://127.0.0.1:9", None)  # never called by declarative actions
    yield client
    await client.close()


def request(
    name: str, params: dict[str, Any], base_url: str, document: dict[str, Any] | None = DOCUMENT
) -> bytes:
    body: dict[str, Any] = {
        "action": name,
        "params": params,
        "credentials": {
            "id": "cred-1",
            "source_id": "src-1",
            "provider": "declarative",
            "auth_type": "none",
            "credentials": {},
            "created_at": STAMP,
            "updated_at": STAMP,
        },
        "source": {
            "id": "src-1",
            "name": "posts",
            "source_type": "declarative",
            "config": {"base_url": base_url},
            "created_at": STAMP,
            "updated_at": STAMP,
        },
    }
    if document is not None:
        body["descriptor"] = document
    return json.dumps(body).encode()


async def call(
    client: ManagerClient, name: str, params: dict[str, Any], base_url: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    return await handle_action(connector(), client, request(name, params, base_url, **kwargs))


async def test_a_read_operation_returns_status_and_body(
    manager_client: ManagerClient, server: JsonServer
) -> None:
    # The manager copies the source's config keys into params (§3.6); they are not parameters.
    status, reply = await call(
        manager_client, "get_post", {"id": "1", "base_url": server.base_url}, server.base_url
    )
    assert (status, reply) == (
        200,
        {"status": "success", "result": {"status": 200, "body": {"id": 1, "title": "First"}}},
    )


async def test_a_write_operation_sends_typed_body_parameters(
    manager_client: ManagerClient, server: JsonServer
) -> None:
    status, reply = await call(
        manager_client, "create_post", {"title": "Second", "draft": "true"}, server.base_url
    )
    assert status == 200, reply
    assert reply["result"]["status"] == 201
    created = reply["result"]["body"]
    assert created == {"title": "Second", "views": 0, "draft": True, "id": created["id"]}
    status, reply = await call(manager_client, "get_post", {"id": created["id"]}, server.base_url)
    assert reply["result"]["body"] == created


@pytest.mark.parametrize(
    ("params", "fault"),
    [
        ({"id": "one"}, "expected an integer"),
        ({}, "required parameter is missing"),
        ({"id": 1, "colour": "red"}, "unknown parameter"),
    ],
)
async def test_params_are_checked_before_any_call(
    manager_client: ManagerClient, server: JsonServer, params: dict[str, Any], fault: str
) -> None:
    status, reply = await call(manager_client, "get_post", params, server.base_url)
    assert status == 400
    assert reply["error"].startswith("invalid params")
    assert fault in reply["error"]


async def test_a_response_that_breaks_the_schema_is_an_action_error(
    manager_client: ManagerClient, server: JsonServer
) -> None:
    status, reply = await call(manager_client, "get_comment_as_post", {"id": 1}, server.base_url)
    assert status == 400
    assert reply["error"].startswith("configuration:")
    assert "response_schema" in reply["error"]


async def test_an_upstream_error_status_is_an_action_error(
    manager_client: ManagerClient, server: JsonServer
) -> None:
    status, reply = await call(manager_client, "get_post", {"id": 99}, server.base_url)
    assert status == 400
    assert "404" in reply["error"]


async def test_unknown_operations_and_unpinned_sources(
    manager_client: ManagerClient, server: JsonServer
) -> None:
    status, reply = await call(manager_client, "drop_tables", {}, server.base_url)
    assert (status, reply["error"]) == (404, "unknown action drop_tables")
    status, reply = await call(
        manager_client, "get_post", {"id": 1}, server.base_url, document=None
    )
    assert (status, reply["error"]) == (400, "configuration: source is not pinned to a descriptor")


def test_the_action_is_built_from_the_operation() -> None:
    raw = request("create_post", {}, "http://x")
    spec = connector().resolve_action(ActionRequest.model_validate_json(raw))
    assert spec is not None
    definition = spec.definition()
    assert definition.mode == "write"
    assert definition.description == "create post"
    operation_model = Descriptor.model_validate(DOCUMENT).operation("create_post")
    assert operation_model is not None
    assert definition.input_schema == input_schema(operation_model)
    read = connector().resolve_action(
        ActionRequest.model_validate_json(request("get_post", {}, ""))
    )
    assert read is not None
    assert read.mode == "read"


def test_the_params_model_applies_defaults_and_coerces() -> None:
    operation_model = Descriptor.model_validate(DOCUMENT).operation("create_post")
    assert operation_model is not None
    model = params_model(operation_model, ignored={"base_url"})
    values = model.model_validate({"title": "t", "draft": "false", "base_url": "x"}).values
    assert values == {"title": "t", "views": 0, "draft": False}


class _Echo(BaseModel):
    text: str


class _Plain(Connector[Any, Any]):
    name = "plain"

    @action("echo", _Echo, mode="read")
    async def echo(self, params: _Echo, ctx: ActionContext[Any, Any]) -> dict[str, str]:
        return {"echo": params.text}


async def test_the_sdk_default_still_finds_declared_actions(manager_client: ManagerClient) -> None:
    raw = json.loads(request("echo", {"text": "hi"}, "", document=None))
    status, reply = await handle_action(_Plain(), manager_client, json.dumps(raw).encode())
    assert (status, reply) == (200, {"status": "success", "result": {"echo": "hi"}})
