"""The web connector crawling the fixture site served on 127.0.0.1, through the SDK test kit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sluice_connector_web.connector import WebConnector
from sluice_sdk.connector import Connector
from sluice_sdk.testing import ConnectorConformance, ConnectorHarness
from tests.connectors.support import Origin, Served

SITE = Path(__file__).parents[2] / "fixtures" / "site"
TYPES = {".html": "text/html; charset=utf-8", ".txt": "text/plain", ".xml": "application/xml"}


def _site_files() -> dict[str, Served]:
    files: dict[str, Served] = {}
    for path in sorted(SITE.rglob("*")):
        if path.is_file():
            rel = "/" + path.relative_to(SITE).as_posix()
            served = Served(path.read_bytes(), TYPES[path.suffix])
            files[rel] = served
            if rel.endswith("/index.html"):
                files[rel.removesuffix("index.html")] = served
    return files


@pytest.fixture
async def site() -> AsyncIterator[Origin]:
    async with Origin(files=_site_files()) as origin:
        yield origin


def _config(site: Origin, **extra: Any) -> dict[str, Any]:
    return {"start_urls": [f"{site.url}/"], "requests_per_second": 100, **extra}


class TestWebConformance(ConnectorConformance):
    min_documents = 6

    @pytest.fixture(autouse=True)
    def _serve(self, site: Origin) -> None:
        self.site = site

    def make_connector(self) -> Connector[Any, Any]:
        return WebConnector()

    def source_config(self) -> dict[str, Any]:
        return _config(self.site)


async def test_full_crawl_respects_robots_depth_scope_and_noindex(site: Origin) -> None:
    async with ConnectorHarness(WebConnector()) as harness:
        result = await harness.sync(harness.add_source(config=_config(site)), "full")
        contents = harness.fake.contents
    assert result.status == "completed", result.error
    paths = sorted(doc.removeprefix(site.url) for doc in result.document_ids)
    assert paths == [
        "/",
        "/about.html",
        "/blog/",
        "/blog/cold-chain.html",
        "/blog/deep/level-one.html",
        "/blog/route-planning.html",
        "/privacy.html",
        "/seasonal-menu.html",  # only in the sitemap
    ]
    # robots.txt disallows /private/; level-two is beyond max_depth 3; terms.html is noindex;
    # the status page is on another domain.
    assert "/private/admin.html" not in site.paths()
    assert "/blog/deep/level-two.html" not in site.paths()
    assert "/terms.html" in site.paths()
    assert all(r.user_agent == "SluiceBot/0.1" for r in site.requests)
    cold = next(e for e in result.events if e["document_id"].endswith("/cold-chain.html"))
    assert cold["metadata"]["title"] == "Keeping the cold chain unbroken | Northwind Docs"
    text = contents[cold["content_id"]]
    assert "four degrees Celsius" in text
    assert "All rights reserved" not in text


async def test_limits_on_pages_and_depth(site: Origin) -> None:
    async with ConnectorHarness(WebConnector()) as harness:
        shallow = await harness.sync(
            harness.add_source(config=_config(site, max_depth=0, use_sitemaps=False)), "full"
        )
        few = await harness.sync(harness.add_source(config=_config(site, max_pages=3)), "full")
    assert [d.removeprefix(site.url) for d in shallow.document_ids] == ["/"]
    assert len(few.document_ids) == 3


async def test_full_crawl_deletes_a_known_page_that_is_gone(site: Origin) -> None:
    """A fresh full run starts from no checkpoint (the SDK, §10.7); the pages the last crawl
    knew, read from the request, still turn a 404 into a deletion."""
    async with ConnectorHarness(WebConnector()) as harness:
        source = harness.add_source(config=_config(site))
        first = await harness.sync(source, "full")
        del site.files["/privacy.html"]
        again = await harness.sync(source, "full", checkpoint=first.run.checkpoint)
    assert again.status == "completed", again.error
    deleted = [e["document_id"] for e in again.events if e["type"] == "document_deleted"]
    assert deleted == [f"{site.url}/privacy.html"]


async def test_incremental_revalidates_with_etags_and_finds_changes(site: Origin) -> None:
    async with ConnectorHarness(WebConnector()) as harness:
        source = harness.add_source(config=_config(site))
        first = await harness.sync(source, "full")
        site.requests.clear()
        quiet = await harness.sync(source, "incremental", checkpoint=first.run.checkpoint)
        assert quiet.status == "completed"
        assert quiet.events == []
        page_requests = [r for r in site.requests if r.path.endswith((".html", "/"))]
        assert page_requests
        assert all(r.if_none_match for r in page_requests if r.path != "/terms.html")

        about = site.files["/about.html"]
        about.body = about.body.replace(
            b"forty drivers", b'forty-two drivers <a href="/careers.html">Careers</a>'
        )
        site.files["/careers.html"] = Served(
            b"<html><head><title>Careers</title></head><body><main><article><h1>Join us</h1>"
            b"<p>We are hiring delivery drivers for our new Southampton depot this spring."
            b"</p></article></main></body></html>",
            "text/html",
        )
        del site.files["/privacy.html"]
        changed = await harness.sync(source, "incremental", checkpoint=quiet.run.checkpoint)
    events = sorted((e["type"], e["document_id"].removeprefix(site.url)) for e in changed.events)
    assert events == [
        ("document_created", "/careers.html"),
        ("document_deleted", "/privacy.html"),
        ("document_updated", "/about.html"),
    ]


async def test_a_disallowing_robots_txt_stops_everything(site: Origin) -> None:
    site.files["/robots.txt"] = Served(b"User-agent: *\nDisallow: /\n", "text/plain")
    async with ConnectorHarness(WebConnector()) as harness:
        result = await harness.sync(harness.add_source(config=_config(site)), "full")
    assert result.status == "completed"
    assert result.document_ids == []
    assert site.paths() == ["/robots.txt"]
