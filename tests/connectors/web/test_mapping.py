"""The web connector's pure parts on the real fixture site (tests/fixtures/site)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sluice_connector_web.config import WebConfig
from sluice_connector_web.mapping import (
    extract_links,
    http_date,
    in_scope,
    map_page,
    normalise_url,
    sitemap_urls,
)

SITE = Path(__file__).parents[2] / "fixtures" / "site"
ORIGIN = "http://docs.northwind.test"


def _html(rel: str) -> str:
    return (SITE / rel).read_text()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Docs.Example.COM:80/a#frag", "http://docs.example.com/a"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x?q=1", "https://example.com:8443/x?q=1"),
        ("mailto:someone@example.com", None),
        ("javascript:void(0)", None),
    ],
)
def test_normalise_url(raw: str, expected: str | None) -> None:
    assert normalise_url(raw) == expected


def test_scope_follows_domains_subdomains_and_excludes() -> None:
    config = WebConfig(start_urls=["https://example.com/"], exclude_patterns=[r"/tag/"])
    assert config.allowed_domains == ["example.com"]
    assert in_scope("https://example.com/a", config)
    assert in_scope("https://docs.example.com/a", config)
    assert not in_scope("https://notexample.com/a", config)
    assert not in_scope("https://example.com/tag/x", config)


def test_links_are_absolute_deduplicated_and_skip_nofollow() -> None:
    links = extract_links(_html("blog/index.html"), f"{ORIGIN}/blog/")
    assert f"{ORIGIN}/blog/cold-chain.html" in links
    assert f"{ORIGIN}/blog/route-planning.html" in links
    assert "https://status.othersite.example/" in links
    assert len(links) == len(set(links))
    about = extract_links(_html("about.html"), f"{ORIGIN}/about.html")
    # rel=nofollow on the one in-article link; the navigation link to /blog/ still counts.
    assert about.count(f"{ORIGIN}/blog/") == 1
    index = extract_links(_html("index.html"), f"{ORIGIN}/")
    assert f"{ORIGIN}/blog/cold-chain.html" in index  # fragment dropped


def test_page_maps_to_main_text_without_boilerplate() -> None:
    doc = map_page(
        f"{ORIGIN}/blog/cold-chain.html",
        _html("blog/cold-chain.html"),
        "Wed, 04 Mar 2026 09:00:00 GMT",
        depth=1,
    )
    assert doc.document_id == f"{ORIGIN}/blog/cold-chain.html"
    assert doc.metadata.title == "Keeping the cold chain unbroken | Northwind Docs"
    assert "four degrees Celsius" in doc.text
    assert "All rights reserved" not in doc.text
    assert "Staff area" not in doc.text
    assert "thirty days. No credit card" not in doc.text
    assert doc.metadata.updated_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert doc.metadata.extra == {"host": "docs.northwind.test", "depth": 1}
    assert not doc.noindex
    assert map_page(f"{ORIGIN}/terms.html", _html("terms.html"), None, 1).noindex


def test_sitemaps_and_sitemap_indexes() -> None:
    pages, nested = sitemap_urls(
        (SITE / "sitemap.xml").read_bytes().replace(b"{origin}", ORIGIN.encode())
    )
    assert pages == [f"{ORIGIN}/", f"{ORIGIN}/about.html", f"{ORIGIN}/seasonal-menu.html"]
    assert nested == []
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://example.com/a.xml</loc></sitemap></sitemapindex>"""
    assert sitemap_urls(index) == ([], ["https://example.com/a.xml"])
    assert sitemap_urls(b"<not xml") == ([], [])


def test_http_date() -> None:
    assert http_date("Wed, 04 Mar 2026 09:00:00 GMT") == datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert http_date("yesterday") is None
    assert http_date(None) is None
