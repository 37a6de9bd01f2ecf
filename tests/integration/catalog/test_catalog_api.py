"""``/api/descriptors``: validate, push, versions, status and visibility, listing and filters."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import asyncpg
import pytest
import semver
from aiohttp.test_utils import TestClient

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import ADMIN
from tests.integration.catalog.descriptors import (
    INVALID_YAML,
    SLUG,
    document,
    text,
    with_meta,
)


async def push(client: TestClient, body: str, **query: str) -> Any:
    return await client.post("/api/descriptors", data=body, params=query, headers=ADMIN)


async def test_validate_answers_200_with_problems_and_positions(client: TestClient) -> None:
    resp = await client.post(
        "/api/descriptors/validate",
        data=INVALID_YAML,
        headers={**ADMIN, "Content-Type": "application/yaml"},
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["valid"] is False
    [problem] = body["problems"]
    assert problem["path"] == "operations[0].auth_type_ref"
    assert (problem["line"], problem["column"]) == (13, 20)
    assert "oauth2_client_credentials" in problem["message"]

    resp = await client.post("/api/descriptors/validate", data=text(document()), headers=ADMIN)
    assert (resp.status, await resp.json()) == (200, {"valid": True, "problems": []})
    # A byte order mark, as some editors write, is no problem.
    bom = b"\xef\xbb\xbf" + text(document()).encode()
    resp = await client.post("/api/descriptors/validate", data=bom, headers=ADMIN)
    assert (await resp.json())["valid"] is True
    # Anything that is text gets an answer, even what is no descriptor at all.
    resp = await client.post("/api/descriptors/validate", data="- just\n- a list\n", headers=ADMIN)
    assert resp.status == 200
    assert (await resp.json())["valid"] is False


async def test_validate_refuses_non_text_and_oversized_bodies(client: TestClient) -> None:
    resp = await client.post("/api/descriptors/validate", data=b"\xff\xfe\x00", headers=ADMIN)
    assert resp.status == 400
    assert "UTF-8" in (await resp.json())["error"]
    huge = io.BytesIO(b"a: " + b"x" * (4 * 1024 * 1024 + 1))
    resp = await client.post("/api/descriptors/validate", data=huge, headers=ADMIN)
    assert resp.status == 413
    assert "error" in await resp.json()
    assert (await client.post("/api/descriptors/validate", data="a: 1")).status == 401


async def test_push_invalid_is_422_with_problems_and_stores_nothing(client: TestClient) -> None:
    resp = await push(client, INVALID_YAML)
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "descriptor is invalid"
    assert body["problems"][0]["path"] == "operations[0].auth_type_ref"
    assert body["problems"][0]["line"] == 13
    assert (await client.get("/api/descriptors/broken-one", headers=ADMIN)).status == 404


async def test_push_creates_a_private_draft_then_identical_is_unchanged(
    client: TestClient,
) -> None:
    resp = await push(client, text(document()))
    assert resp.status == 201
    created = await resp.json()
    assert (created["slug"], created["version"], created["outcome"]) == (SLUG, "1.0.0", "created")
    assert (created["status"], created["visibility"]) == ("draft", "private")
    assert created["categories"] == ["custom"]
    assert created["tags"] == ["test", "echo"]

    resp = await push(client, text(document()))
    assert resp.status == 200
    again = await resp.json()
    assert again["outcome"] == "unchanged"
    assert again["digest"] == created["digest"]


async def test_a_draft_is_replaced_by_a_repush(client: TestClient, clock: FrozenClock) -> None:
    await push(client, text(document()))
    clock.advance(60)
    changed = with_meta(document(), summary="a new summary")
    resp = await push(client, text(changed))
    assert resp.status == 200
    body = await resp.json()
    assert (body["outcome"], body["summary"], body["status"]) == (
        "replaced",
        "a new summary",
        "draft",
    )
    detail = await (await client.get(f"/api/descriptors/{SLUG}/1.0.0", headers=ADMIN)).json()
    assert detail["document"]["metadata"]["summary"] == "a new summary"
    assert detail["source_text"] == text(changed)
    assert detail["updated_at"] > detail["created_at"]


async def test_a_published_version_is_immutable(client: TestClient) -> None:
    resp = await push(client, text(document()), status="published")
    assert resp.status == 201
    assert (await resp.json())["status"] == "published"
    # Same content, formatted differently: still identical.
    resp = await push(client, text(document()).replace("\n", "\n\n"))
    assert (resp.status, (await resp.json())["outcome"]) == (200, "unchanged")
    resp = await push(client, text(with_meta(document(), summary="changed")))
    assert resp.status == 409
    message = (await resp.json())["error"]
    assert "published" in message
    assert "bump metadata.version" in message
    detail = await (await client.get(f"/api/descriptors/{SLUG}/1.0.0", headers=ADMIN)).json()
    assert detail["summary"] == "echo service"
    # The change goes into a new version.
    resp = await push(client, text(with_meta(document(), version="1.0.1", summary="changed")))
    assert resp.status == 201


async def test_push_publishes_a_draft_and_sets_visibility(client: TestClient) -> None:
    await push(client, text(document()))
    resp = await push(client, text(document()), status="published", visibility="marketplace")
    assert resp.status == 200
    body = await resp.json()
    assert (body["outcome"], body["status"], body["visibility"]) == (
        "updated",
        "published",
        "marketplace",
    )
    assert body["published_at"] is not None


@pytest.mark.parametrize(
    ("query", "needle"),
    [({"status": "live"}, "status"), ({"visibility": "public"}, "visibility")],
)
async def test_push_refuses_unknown_status_or_visibility(
    client: TestClient, query: dict[str, str], needle: str
) -> None:
    resp = await push(client, text(document()), **query)
    assert resp.status == 400
    assert needle in (await resp.json())["error"]


async def _patch(client: TestClient, version: str, **body: str) -> Any:
    return await client.patch(f"/api/descriptors/{SLUG}/{version}", json=body, headers=ADMIN)


async def test_transitions_go_draft_published_archived_only(client: TestClient) -> None:
    await push(client, text(document()))
    resp = await _patch(client, "1.0.0", status="archived")
    assert resp.status == 409
    assert "draft → published → archived" in (await resp.json())["error"]
    resp = await _patch(client, "1.0.0", status="published", visibility="organization")
    assert resp.status == 200
    assert ((await resp.json())["status"], (await resp.json())["visibility"]) == (
        "published",
        "organization",
    )
    assert (await _patch(client, "1.0.0", status="draft")).status == 409
    resp = await _patch(client, "1.0.0", status="archived")
    assert resp.status == 200
    body = await resp.json()
    assert body["archived_at"] is not None
    assert body["published_at"] is not None
    assert (await _patch(client, "1.0.0", status="published")).status == 409
    # Visibility may still change; an archived version stays archived.
    resp = await _patch(client, "1.0.0", visibility="workspace")
    assert ((await resp.json())["status"], (await resp.json())["visibility"]) == (
        "archived",
        "workspace",
    )
    # A re-push of an archived version changes nothing, and cannot change it.
    resp = await push(client, text(document()))
    assert (resp.status, (await resp.json())["outcome"]) == (200, "unchanged")
    assert (await push(client, text(with_meta(document(), summary="x")))).status == 409


async def test_patch_errors(client: TestClient) -> None:
    assert (await _patch(client, "9.9.9", status="published")).status == 404
    await push(client, text(document()))
    resp = await _patch(client, "1.0.0", status="gone")
    assert resp.status == 422
    resp = await client.patch(
        f"/api/descriptors/{SLUG}/1.0.0",
        data=b"{",
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert resp.status == 400


VERSIONS = [
    "1.10.0",
    "1.9.0",
    "1.2.0-rc.1",
    "1.2.0",
    "1.2.0-alpha",
    "1.2.0-Beta",  # ASCII order: before "alpha"
    "1.2.0-rc.10",
    "1.2.0-rc.2",
]


async def test_versions_are_ordered_by_semver_not_text(client: TestClient) -> None:
    for version in VERSIONS:
        assert (await push(client, text(document(version)))).status == 201
    resp = await client.get(f"/api/descriptors/{SLUG}", headers=ADMIN)
    body = await resp.json()
    expected = sorted(VERSIONS, key=semver.Version.parse, reverse=True)
    assert expected[:3] == ["1.10.0", "1.9.0", "1.2.0"]  # not text order
    assert [v["version"] for v in body["versions"]] == expected
    # Nothing published: latest is the highest of any status.
    assert body["latest"] == "1.10.0"
    listed = await (await client.get("/api/descriptors", headers=ADMIN)).json()
    assert [v["version"] for v in listed] == expected


async def test_latest_is_the_highest_published_else_the_highest(client: TestClient) -> None:
    await push(client, text(document("1.9.0")), status="published")
    await push(client, text(document("1.10.0")))  # a draft above it
    await push(client, text(document("2.0.0-beta.1")))
    resp = await client.get(f"/api/descriptors/{SLUG}/latest", headers=ADMIN)
    assert (await resp.json())["version"] == "1.9.0"
    await _patch(client, "1.10.0", status="published")
    resp = await client.get(f"/api/descriptors/{SLUG}/latest", headers=ADMIN)
    body = await resp.json()
    assert body["version"] == "1.10.0"
    assert body["document"]["metadata"]["version"] == "1.10.0"
    versions = await (await client.get(f"/api/descriptors/{SLUG}", headers=ADMIN)).json()
    assert versions["latest"] == "1.10.0"


async def test_reads_of_unknown_descriptors_are_404(client: TestClient) -> None:
    for path in (
        f"/api/descriptors/{SLUG}",
        f"/api/descriptors/{SLUG}/1.0.0",
        "/api/descriptors/x/latest",
    ):
        resp = await client.get(path, headers=ADMIN)
        assert resp.status == 404
        assert "not found" in (await resp.json())["error"]


async def test_list_filters_by_category_tag_status_and_text(client: TestClient) -> None:
    await push(client, text(document()), status="published")
    other = with_meta(
        document(slug="ledger-sync"),
        name="Ledger sync",
        description="Accounting ledgers of a bookkeeping service.",
        categories=["saas", "analytics"],
        tags=["finance"],
        summary="ledgers",
    )
    await push(client, text(other))

    async def slugs(**query: str) -> list[str]:
        resp = await client.get("/api/descriptors", params=query, headers=ADMIN)
        assert resp.status == 200, await resp.text()
        return [d["slug"] for d in await resp.json()]

    assert await slugs() == ["httpbin-demo", "ledger-sync"]
    assert await slugs(category="analytics") == ["ledger-sync"]
    assert await slugs(category="custom") == ["httpbin-demo"]
    assert await slugs(tag="finance") == ["ledger-sync"]
    assert await slugs(status="published") == ["httpbin-demo"]
    assert await slugs(status="draft") == ["ledger-sync"]
    assert await slugs(visibility="private") == ["httpbin-demo", "ledger-sync"]
    assert await slugs(q="bookkeeping") == ["ledger-sync"]  # a word of the description
    assert await slugs(q="ledgers") == ["ledger-sync"]  # stemmed
    assert await slugs(q="httpb") == ["httpbin-demo"]  # part of the slug
    assert await slugs(q="echo") == ["httpbin-demo"]  # a tag or the summary
    assert await slugs(q="nothing like it") == []
    assert await slugs(slug="ledger-sync") == ["ledger-sync"]
    assert await slugs(limit="1") == ["httpbin-demo"]
    resp = await client.get("/api/descriptors", params={"status": "gone"}, headers=ADMIN)
    assert resp.status == 400


async def test_push_refuses_nul_characters(client: TestClient) -> None:
    bad = with_meta(document(), summary="nul \u0000 here")
    resp = await push(client, text(bad))
    assert resp.status == 422
    assert (await resp.json())["problems"][0]["message"].startswith("text must not contain NUL")


async def test_concurrent_pushes_of_one_version_create_it_once(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    replies = await asyncio.gather(*(push(client, text(document())) for _ in range(5)))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200, 200, 200, 200, 201]
    assert await db_pool.fetchval("SELECT count(*) FROM descriptors") == 1
