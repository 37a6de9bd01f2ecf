"""The rss connector against feeds served on 127.0.0.1, through the SDK test kit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sluice_connector_rss.connector import RssConnector
from sluice_sdk.connector import Connector
from sluice_sdk.testing import ConnectorConformance, ConnectorHarness
from tests.connectors.support import Origin, Served

FEEDS = Path(__file__).parents[2] / "fixtures" / "feeds"


def _origin_files() -> dict[str, Served]:
    return {
        "/blog/feed.xml": Served(
            (FEEDS / "engineering-blog.rss20.xml").read_bytes(), "application/rss+xml"
        ),
        "/notes.rdf": Served(
            (FEEDS / "research-notes.rss10.rdf").read_bytes(), "application/rdf+xml"
        ),
        "/releases/atom.xml": Served(
            (FEEDS / "release-announcements.atom.xml").read_bytes(), "application/atom+xml"
        ),
    }


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    async with Origin(files=_origin_files()) as served:
        yield served


def _config(origin: Origin) -> dict[str, Any]:
    return {
        "feeds": [
            f"{origin.url}/blog/feed.xml",
            f"{origin.url}/notes.rdf",
            f"{origin.url}/releases/atom.xml",
        ]
    }


class TestRssConformance(ConnectorConformance):
    min_documents = 7

    @pytest.fixture(autouse=True)
    def _serve(self, origin: Origin) -> None:
        self.origin = origin

    def make_connector(self) -> Connector[Any, Any]:
        return RssConnector()

    def source_config(self) -> dict[str, Any]:
        return _config(self.origin)


async def test_full_sync_emits_every_entry_of_every_dialect(origin: Origin) -> None:
    async with ConnectorHarness(RssConnector()) as harness:
        source = harness.add_source(config=_config(origin))
        result = await harness.sync(source, "full")
    assert result.status == "completed", result.error
    ids = result.document_ids
    assert len(ids) == 7
    assert f"{origin.url}/blog/feed.xml#eng-2026-0304-queue" in ids
    assert f"{origin.url}/notes.rdf#https://research.example.org/notes/bm25-tuning" in ids
    created = [e for e in result.events if e["type"] == "document_created"]
    assert all(e["permissions"] == {"public": True, "users": [], "groups": []} for e in created)
    texts = {harness.fake.contents[e["content_id"]] for e in created}
    assert any("Webhooks for every connector" in t for t in texts)
    assert result.run.scanned == 7
    assert result.run.checkpoint_saved


async def test_incremental_uses_conditional_get_and_emits_only_changes(origin: Origin) -> None:
    async with ConnectorHarness(RssConnector()) as harness:
        source = harness.add_source(config=_config(origin))
        first = await harness.sync(source, "full")
        checkpoint = first.run.checkpoint
        origin.requests.clear()

        unchanged = await harness.sync(source, "incremental", checkpoint=checkpoint)
        assert unchanged.status == "completed"
        assert unchanged.events == []
        assert all(r.if_none_match for r in origin.requests)

        blog = origin.files["/blog/feed.xml"]
        blog.body = blog.body.replace(b"47 minutes", b"52 minutes").replace(
            b"<item>",
            b'<item><title>New post</title><guid isPermaLink="false">eng-new</guid>'
            b"<description>Fresh entry</description></item><item>",
            1,
        )
        changed = await harness.sync(source, "incremental", checkpoint=unchanged.run.checkpoint)
    assert changed.status == "completed"
    kinds = sorted((e["type"], e["document_id"].split("#")[1]) for e in changed.events)
    assert kinds == [
        ("document_created", "eng-new"),
        ("document_updated", "https://engineering.example.com/2026/02/search-outage"),
    ]
    assert changed.run.updated == 1


async def test_full_sync_ignores_validators(origin: Origin) -> None:
    async with ConnectorHarness(RssConnector()) as harness:
        source = harness.add_source(config=_config(origin))
        first = await harness.sync(source, "full")
        origin.requests.clear()
        again = await harness.sync(source, "full", checkpoint=first.run.checkpoint)
    assert len(again.document_ids) == 7
    assert not any(r.if_none_match for r in origin.requests)


async def test_a_missing_feed_fails_the_run_as_configuration(origin: Origin) -> None:
    config = _config(origin)
    config["feeds"].append(f"{origin.url}/gone.xml")
    async with ConnectorHarness(RssConnector()) as harness:
        result = await harness.sync(harness.add_source(config=config), "full")
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration:")
    # The readable feeds were still synced before the run failed.
    assert len(result.document_ids) == 7


async def test_a_server_error_fails_the_run_as_transient(origin: Origin) -> None:
    origin.files["/notes.rdf"].status = 503
    async with ConnectorHarness(RssConnector()) as harness:
        result = await harness.sync(harness.add_source(config=_config(origin)), "full")
    assert result.status == "failed"
    assert (result.error or "").startswith("transient:")
