"""Pure mapping: a parsed feed entry → the document Sluice stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser

from sluice_connector_rss.client import ParsedEntry, ParsedFeed
from sluice_sdk.models import DocumentMetadata


@dataclass(frozen=True, slots=True)
class EntryDocument:
    document_id: str
    text: str
    metadata: DocumentMetadata
    # Changes when the entry's visible content changes; drives incremental updates.
    fingerprint: str


class _Text(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "pre", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_fragment_to_text(fragment: str) -> str:
    """Feed summaries and contents are HTML fragments; keep their visible text, line per block."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def entry_key(entry: ParsedEntry) -> str:
    """The entry's stable identity in its feed: id (guid), else link, else a hash of its text."""
    if entry.entry_id:
        return entry.entry_id
    if entry.link:
        return entry.link
    basis = "\x00".join([entry.title or "", entry.summary or "", str(entry.published or "")])
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()


def document_id(feed_url: str, entry: ParsedEntry) -> str:
    # Entry ids are only unique within a feed, so the feed URL scopes them.
    return f"{feed_url}#{entry_key(entry)}"[:1024]


def map_entry(feed_url: str, feed: ParsedFeed, entry: ParsedEntry) -> EntryDocument:
    body_html = max(entry.content, key=len) if entry.content else (entry.summary or "")
    body = html_fragment_to_text(body_html)
    title = entry.title and html_fragment_to_text(entry.title)
    text = "\n\n".join(part for part in (title, body) if part)
    fingerprint = hashlib.sha256(
        "\x00".join([text, entry.link or "", str(entry.updated or "")]).encode()
    ).hexdigest()[:32]
    metadata = DocumentMetadata(
        title=title or entry.link or entry_key(entry),
        author=entry.author,
        created_at=entry.published or entry.updated,
        updated_at=entry.updated or entry.published,
        content_type="feed_entry",
        mime_type="text/plain",
        size=str(len(text.encode())),
        url=entry.link,
        path=f"{feed.title or feed_url}/{title or entry_key(entry)}",
        extra={
            "feed_url": feed_url,
            "feed_title": feed.title,
            "feed_format": feed.version,
            "categories": entry.categories,
        },
    )
    return EntryDocument(document_id(feed_url, entry), text, metadata, fingerprint)
