"""The rss connector's parsing and mapping on real feed files of the three dialects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sluice_connector_rss.client import FeedError, parse_feed
from sluice_connector_rss.mapping import entry_key, html_fragment_to_text, map_entry

FEEDS = Path(__file__).parents[2] / "fixtures" / "feeds"
URL = "https://feeds.example.com/feed"


def _feed(name: str):  # type: ignore[no-untyped-def]
    return parse_feed((FEEDS / name).read_bytes(), URL)


def test_rss20_entries_map_to_documents() -> None:
    feed = _feed("engineering-blog.rss20.xml")
    assert feed.version == "rss20"
    assert feed.title == "Example Engineering Blog"
    docs = [map_entry(URL, feed, e) for e in feed.entries]
    assert [d.document_id for d in docs] == [
        f"{URL}#eng-2026-0304-queue",
        f"{URL}#https://engineering.example.com/2026/02/search-outage",
        # No guid: the link identifies the entry.
        f"{URL}#https://engineering.example.com/jobs/staff-platform",
    ]
    first = docs[0]
    assert first.metadata.title == "Why we moved our queue to Postgres"
    assert first.metadata.author == "Ada Lovelace"
    assert first.metadata.created_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert first.metadata.url == "https://engineering.example.com/2026/03/queue-on-postgres"
    assert first.metadata.extra is not None
    assert first.metadata.extra["categories"] == ["databases", "architecture"]
    # content:encoded wins over the shorter description, and its markup is gone.
    assert "FOR UPDATE SKIP LOCKED lets any number of workers" in first.text
    assert "<p>" not in first.text
    assert first.metadata.size == str(len(first.text.encode()))
    assert "index updates for 47 minutes" in docs[1].text


def test_rss10_rdf_entries() -> None:
    feed = _feed("research-notes.rss10.rdf")
    assert feed.version == "rss10"
    docs = [map_entry(URL, feed, e) for e in feed.entries]
    assert docs[0].document_id == f"{URL}#https://research.example.org/notes/bm25-tuning"
    assert docs[0].metadata.author == "Karen Sparck Jones"
    assert docs[1].metadata.created_at == datetime(2026, 1, 20, 15, 45, tzinfo=UTC)
    assert "setweight with A for titles" in docs[1].text


def test_atom_entries() -> None:
    feed = _feed("release-announcements.atom.xml")
    assert feed.version.startswith("atom")
    docs = [map_entry(URL, feed, e) for e in feed.entries]
    assert docs[0].document_id == f"{URL}#urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert "Webhooks for every connector\nRealtime syncs" in docs[0].text
    assert docs[1].metadata.title == "Sluice 0.1.1 \u2014 security fix"
    assert docs[1].metadata.created_at == datetime(2026, 2, 10, 8, 30, tzinfo=UTC)


def test_fingerprint_follows_visible_content() -> None:
    feed = _feed("engineering-blog.rss20.xml")
    body = (FEEDS / "engineering-blog.rss20.xml").read_bytes()
    changed = parse_feed(body.replace(b"47 minutes", b"48 minutes"), URL)
    before = [map_entry(URL, feed, e).fingerprint for e in feed.entries]
    after = [map_entry(URL, changed, e).fingerprint for e in changed.entries]
    assert before[0] == after[0]
    assert before[1] != after[1]


def test_entry_without_id_or_link_gets_a_content_hash() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>Only a title</title><description>text</description></item>
    </channel></rss>"""
    entry = parse_feed(body, URL).entries[0]
    assert entry_key(entry).startswith("sha256:")
    assert entry_key(entry) == entry_key(parse_feed(body, URL).entries[0])


def test_html_that_is_no_feed_is_refused() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"<html><body><p>Not a feed</p></body></html>", URL)


def test_fragment_to_text_keeps_blocks_on_lines() -> None:
    assert html_fragment_to_text("<p>a  b</p><p>c</p><script>x()</script>") == "a b\nc"
