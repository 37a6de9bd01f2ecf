"""The runtime against a real json-server 0.17.4 (npm, with json-server-auth) on loopback: every
pagination style json-server speaks, incremental sync on a ``_gte`` filter, deletions, a kill and
resume at the page, and a credential chain against json-server-auth's login."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sluice_descriptor import load_path
from sluice_sdk.testing import SMALL_BATCHES, ConnectorHarness, FakeSource, RunResult
from tests.connectors.declarative.support import (
    PinningFakeManager,
    connector,
    descriptor,
    operation,
    param,
    texts,
)
from tests.support.thirdparty import JsonServer, JsonServerFactory, register_user

POSTS = 25


def posts(count: int = POSTS) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "title": f"Post {n}",
            "body": f"Body of post {n}",
            "author": f"author{n % 3}@example.com",
            "updatedAt": f"2026-03-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
        }
        for n in range(1, count + 1)
    ]


LIST_POSTS = operation(
    "list_posts",
    "/posts",
    param("_page", "integer"),
    param("_limit", "integer"),
    param("_start", "integer"),
    param("_sort"),
    param("_order"),
    param("updatedAt_gte"),
    tags=["read"],
)
DOCUMENT = {
    "external_id": "post-{id}",
    "title": "{title}",
    "text": "{title}\n{body}",
    "url": "{config.base_url}/posts/{id}",
    "updated_at": "{updatedAt}",
    "permissions": {"public": False, "users": ["{author}"]},
    "attributes": {"author": "{author}"},
}
INCREMENTAL = {"cursor_field": "updatedAt", "parameter": "updatedAt_gte"}

LINK_HEADER = {
    "name": "posts",
    "operation_id": "list_posts",
    "parameters": {"_page": 1, "_limit": 10, "_sort": "updatedAt"},
    "pagination": {"style": "link_header"},
    "document": DOCUMENT,
    "incremental": INCREMENTAL,
    "deleted": {"field": "deleted"},
}
PAGE_NUMBER = {
    "name": "posts",
    "operation_id": "list_posts",
    "parameters": {"_sort": "id"},
    "pagination": {
        "style": "page_number",
        "page_parameter": "_page",
        "limit_parameter": "_limit",
        "page_size": 10,
    },
    "document": DOCUMENT,
}
OFFSET = {
    "name": "posts",
    "operation_id": "list_posts",
    "parameters": {"_sort": "id", "_order": "desc"},
    "pagination": {
        "style": "offset",
        "offset_parameter": "_start",
        "limit_parameter": "_limit",
        "page_size": 10,
    },
    "document": DOCUMENT,
}


@pytest.fixture
def server(json_server_factory: JsonServerFactory) -> JsonServer:
    return json_server_factory({"posts": posts()})


class Runs:
    def __init__(
        self, fake: PinningFakeManager, server: JsonServer, stream: dict[str, Any]
    ) -> None:
        self.fake = fake
        self.server = server
        self.source: FakeSource = fake.add_source(
            "declarative", config={"base_url": server.base_url}
        )
        fake.pin(self.source, descriptor([LIST_POSTS], [stream]))

    async def sync(self, mode: str = "full", **kwargs: Any) -> RunResult:
        async with ConnectorHarness(
            connector(), fake=self.fake, flush_policies=SMALL_BATCHES
        ) as harness:
            result = await harness.sync(self.source, mode, **kwargs)  # type: ignore[arg-type]
        return result


async def _send(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json()


@pytest.mark.parametrize(
    ("stream", "order"),
    [
        (LINK_HEADER, list(range(1, POSTS + 1))),
        (PAGE_NUMBER, list(range(1, POSTS + 1))),
        (OFFSET, list(range(POSTS, 0, -1))),
    ],
    ids=["link_header", "page_number", "offset"],
)
async def test_a_full_sync_reads_every_page(
    fake: PinningFakeManager, server: JsonServer, stream: dict[str, Any], order: list[int]
) -> None:
    result = await Runs(fake, server, stream).sync()
    assert result.status == "completed", result.error
    assert result.document_ids == [f"post-{n}" for n in order]
    assert len(result.checkpoints) == 4  # three pages, then the finished checkpoint
    created = next(e for e in result.events if e["document_id"] == "post-7")
    assert texts(fake, result)["post-7"] == "Post 7\nBody of post 7"
    assert created["metadata"]["url"] == f"{server.base_url}/posts/7"
    assert datetime.fromisoformat(created["metadata"]["updated_at"]) == datetime(
        2026, 3, 1, 7, tzinfo=UTC
    )
    assert created["permissions"] == {
        "public": False,
        "users": ["author1@example.com"],
        "groups": [],
    }
    assert created["attributes"] == {"author": "author1@example.com"}


async def test_an_exact_multiple_of_the_page_size_stops_on_the_empty_page(
    fake: PinningFakeManager, json_server_factory: JsonServerFactory
) -> None:
    server = json_server_factory({"posts": posts(20)})
    result = await Runs(fake, server, OFFSET).sync()
    assert result.status == "completed", result.error
    assert len(result.document_ids) == 20
    pages = [c["streams"]["posts"]["page"] for c in result.checkpoints[:-1]]
    assert [p and p["offset"] for p in pages] == [10, 20, None]


async def test_incremental_sync_picks_up_changes_and_deletions(
    fake: PinningFakeManager, server: JsonServer
) -> None:
    runs = Runs(fake, server, LINK_HEADER)
    full = await runs.sync()
    assert full.status == "completed", full.error
    assert full.run.checkpoint["streams"]["posts"]["high_water"] == "2026-03-02T01:00:00Z"

    await _send(
        "PATCH",
        server.url("/posts/3"),
        {"title": "Post 3 edited", "updatedAt": "2026-03-05T00:00:00Z"},
    )
    await _send(
        "PATCH", server.url("/posts/4"), {"deleted": True, "updatedAt": "2026-03-05T01:00:00Z"}
    )
    await _send(
        "POST",
        server.url("/posts"),
        {
            "id": 26,
            "title": "Post 26",
            "body": "new",
            "author": "x@example.com",
            "updatedAt": "2026-03-05T02:00:00Z",
        },
    )
    changed = await runs.sync("incremental", checkpoint=full.run.checkpoint)
    assert changed.status == "completed", changed.error
    # The bookmark is inclusive (updatedAt_gte), so the newest record of the last run comes again.
    assert changed.document_ids == ["post-25", "post-3", "post-26"]
    assert changed.deleted_ids == ["post-4"]
    assert texts(fake, changed)["post-3"] == "Post 3 edited\nBody of post 3"
    assert changed.run.checkpoint["streams"]["posts"]["high_water"] == "2026-03-05T02:00:00Z"

    quiet = await runs.sync("incremental", checkpoint=changed.run.checkpoint)
    assert quiet.document_ids == ["post-26"]


async def test_a_killed_sync_resumes_at_its_page(
    fake: PinningFakeManager, server: JsonServer
) -> None:
    runs = Runs(fake, server, LINK_HEADER)
    # Page 1 (10 documents, one batch each) is checkpointed; the run is cancelled in page 2.
    first = await runs.sync(cancel_after_batches=13)
    assert first.outcome == "stopped"
    saved = first.run.checkpoint
    next_url = saved["streams"]["posts"]["page"]["url"]
    assert "_page=2" in next_url
    resumed = await runs.sync(checkpoint=saved, is_resume=True)
    assert resumed.status == "completed", resumed.error
    assert resumed.document_ids == [f"post-{n}" for n in range(11, POSTS + 1)]


async def test_a_credential_chain_logs_in_to_json_server_auth(
    fake: PinningFakeManager, json_server_factory: JsonServerFactory
) -> None:
    server = json_server_factory({"posts": posts(5)}, permissions={"posts": 660})
    register_user(server, "reader@example.com", "s3cret-pass")
    document = descriptor(
        [{**LIST_POSTS, "auth_type_ref": "api_key", "credential_field": "token"}],
        [{**PAGE_NUMBER, "pagination": {**PAGE_NUMBER["pagination"], "page_size": 2}}],
        authentication=[
            {
                "type": "api_key",
                "fields": [
                    {"key": "email", "label": "Email"},
                    {"key": "password", "label": "Password", "field_type": "password"},
                ],
                "credential_chain_id": "login",
            }
        ],
        credential_chains=[
            {
                "chain_id": "login",
                "description": "json-server-auth login",
                "initial_credentials_required": ["email", "password"],
                "steps": [
                    {
                        "step_name": "login",
                        "endpoint": "{base_url}/login",
                        "body": {"email": "{email}", "password": "{password}"},
                        "extract": {"token": "$.accessToken"},
                        "ttl_seconds": 600,
                    }
                ],
                "final_credential_name": "token",
            }
        ],
    )
    credentials = {"email": "reader@example.com", "password": "s3cret-pass"}
    async with ConnectorHarness(connector(), fake=fake) as harness:
        source = harness.add_source(config={"base_url": server.base_url}, credentials=credentials)
        fake.pin(source, document)
        result = await harness.sync(source, "full")
        assert result.status == "completed", result.error
        assert len(result.document_ids) == 5

        wrong = harness.add_source(
            config={"base_url": server.base_url}, credentials={**credentials, "password": "nope"}
        )
        fake.pin(wrong, document)
        refused = await harness.sync(wrong, "full")
    assert refused.status == "failed"
    assert (refused.error or "").startswith("configuration:"), refused.error


EXAMPLES = Path(__file__).parents[3] / "descriptor" / "examples"


async def test_the_json_server_example_descriptor_syncs_as_published(
    fake: PinningFakeManager, json_server_factory: JsonServerFactory
) -> None:
    """descriptor/examples/json-server-posts.yaml, validated and dumped as the catalog stores it,
    against json-server-auth guarding both collections."""
    validation = load_path(EXAMPLES / "json-server-posts.yaml")
    assert validation.descriptor is not None, validation.problems
    comments = [{"id": n, "postId": 1 + n % 5, "body": f"Comment {n}"} for n in range(1, 46)]
    data = {"posts": [{**p, "userId": 1} for p in posts()], "comments": comments}
    server = json_server_factory(data, permissions={"posts": 660, "comments": 660})
    register_user(server, "reader@example.com", "s3cret-pass")
    async with ConnectorHarness(connector(), fake=fake) as harness:
        source = harness.add_source(
            config={"base_url": server.base_url},
            credentials={"email": "reader@example.com", "password": "s3cret-pass"},
        )
        fake.pin(source, validation.descriptor.dump())
        full = await harness.sync(source, "full")
        assert full.status == "completed", full.error
        ids = full.document_ids
        assert ids[:POSTS] == [f"post-{n}" for n in range(1, POSTS + 1)]
        assert sorted(ids[POSTS:]) == sorted(f"comment-{n}" for n in range(1, 46))

        await _send_authorised(
            server, "PATCH", "/posts/5", {"deleted": True, "updatedAt": "2026-03-09T00:00:00Z"}
        )
        changed = await harness.sync(source, "incremental", checkpoint=full.run.checkpoint)
    assert changed.status == "completed", changed.error
    assert changed.deleted_ids == ["post-5"]
    # Comments have no incremental spec: an incremental run reads them whole again.
    assert len([i for i in changed.document_ids if i.startswith("comment-")]) == 45


async def _send_authorised(
    server: JsonServer, method: str, path: str, body: dict[str, Any]
) -> None:
    token = await _send(
        "POST", server.url("/login"), {"email": "reader@example.com", "password": "s3cret-pass"}
    )
    async with (
        aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {token['accessToken']}"}
        ) as session,
        session.request(method, server.url(path), json=body) as response,
    ):
        assert response.status < 300, await response.text()
