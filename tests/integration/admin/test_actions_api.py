"""Executing connector actions (§6.7 checks in order, §3.6 request, verbatim relay, §11.31)."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_sdk.models import ActionRequest
from tests.integration.admin.factories import (
    ADMIN,
    SOURCES_ANY_TYPE,
    FakeConnector,
    register_connector,
    source_body,
)
from tests.support.http import free_port

ACTIONS = [
    {"name": "lookup", "input_schema": {}, "mode": "read"},
    {"name": "post_note", "input_schema": {"type": "object"}, "mode": "write"},
    {"name": "gadget_only", "input_schema": {}, "mode": "read", "source_types": ["gadgets"]},
]
CRED = {
    "provider": "widgets",
    "auth_type": "api_key",
    "credentials": {"api_key": "k-123"},
    "config": {"scope": "all"},
}


async def _source(client: TestClient, **overrides: Any) -> str:
    body = source_body(credentials=CRED, config={"base": "b", "limit": 5})
    body.update(overrides)
    resp = await client.post(SOURCES_ANY_TYPE, json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def _run(client: TestClient, source_id: str, action: str, **body: Any) -> Any:
    return await client.post(f"/api/sources/{source_id}/actions/{action}", json=body, headers=ADMIN)


async def test_request_shape_and_verbatim_relay(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    fake, url = fake_connector
    await register_connector(db_pool, url=url, actions=ACTIONS)
    source_id = await _source(client)
    resp = await _run(
        client, source_id, "lookup", params={"limit": 9, "q": "x"}, actor_email="a@example.com"
    )
    assert resp.status == 200
    assert await resp.read() == b'{"status":"success","result":{"n":1}}'
    path, sent, auth = fake.calls[0]
    assert (path, auth) == ("/action", "Bearer con-token")
    parsed = ActionRequest.model_validate(sent)  # also what the Omni SDK validates (§11.31)
    assert parsed.action == "lookup"
    assert parsed.params == {"base": "b", "limit": 9, "q": "x"}  # config keys copied in
    assert parsed.credentials.credentials == {"api_key": "k-123"}
    assert parsed.credentials.config == {"scope": "all"}
    assert parsed.source.id == source_id
    assert parsed.actor_email == "a@example.com"

    fake.action_reply = (400, b"plain failure text", "text/plain; charset=utf-8")
    resp = await _run(client, source_id, "lookup")
    assert resp.status == 400
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert await resp.read() == b"plain failure text"
    assert fake.calls[-1][1]["params"] == {"base": "b", "limit": 5}


async def test_checks_in_order(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    fake, url = fake_connector
    assert (await _run(client, "nope", "lookup")).status == 404  # source missing
    source_id = await _source(client)
    assert (await _run(client, source_id, "lookup")).status == 404  # no online connector
    await register_connector(db_pool, url=url, actions=ACTIONS)
    assert (await _run(client, source_id, "unknown")).status == 400
    assert (await _run(client, source_id, "gadget_only")).status == 400
    read_only = await _source(client, config={"read_only": True})
    assert (await _run(client, read_only, "post_note")).status == 400
    assert (await _run(client, read_only, "lookup")).status == 200
    bare = await _source(client, credentials=None)
    resp = await _run(client, bare, "lookup")
    assert resp.status == 404  # no credential
    assert set(await resp.json()) == {"error"}
    assert len(fake.calls) == 1

    await register_connector(db_pool, url=url, actions=ACTIONS, read_only=True)
    assert (await _run(client, source_id, "post_note")).status == 400
    assert (await _run(client, source_id, "post_note", params="x")).status == 422


async def test_transport_failure_is_502(client: TestClient, db_pool: asyncpg.Pool) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    await register_connector(db_pool, url=url, actions=ACTIONS)
    source_id = await _source(client)
    resp = await _run(client, source_id, "lookup")
    assert resp.status == 502
    body = await resp.json()
    assert set(body) == {"error"}
    assert body["error"].startswith("connector unreachable: ")
    assert url not in body["error"]


async def test_absent_actor_email_is_omitted_not_null(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    """Issue 19 item 14: the Omni TypeScript SDK's ActionRequest schema takes ``actor_email`` as
    ``z.string().optional()``, so ``null`` is refused; an absent member is omitted instead."""
    fake, url = fake_connector
    await register_connector(db_pool, url=url, actions=ACTIONS)
    source_id = await _source(client)
    assert (await _run(client, source_id, "lookup")).status == 200
    assert (await _run(client, source_id, "lookup", actor_email=None)).status == 200
    for _, sent, _ in fake.calls:
        assert "actor_email" not in sent
        assert None not in (sent.get("action"), sent.get("params"), sent.get("credentials"))
    assert (await _run(client, source_id, "lookup", actor_email="b@example.com")).status == 200
    assert fake.calls[-1][1]["actor_email"] == "b@example.com"
