"""Stored text normalisation and truncation (protocol §5.4). Pure functions."""

from __future__ import annotations

import re

TRUNCATION_MARKER = "\n\n[Sluice: text truncated at the configured size limit]"
_MARKER_BYTES = len(TRUNCATION_MARKER.encode("utf-8"))

# Step 2: zero-width characters, BOM, soft hyphen, and every Cc except LF and TAB.
_DELETED = {0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD}
_DELETED |= {c for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (0x0A, 0x09)}
_DELETE_TABLE = dict.fromkeys(_DELETED)

_NEWLINES = re.compile(r"\r\n?")
# Step 3 matches only runs that change: a lone space is already what the run becomes. Replacing
# every single space (hundreds per KB) was most of the cost of storing a text.
_BLANKS = re.compile(r" [ \t\u00a0]+|[\t\u00a0][ \t\u00a0]*")
_LINE_EDGES = re.compile(r" \n ?|\n ")
_EMPTY_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str, max_bytes: int) -> str:
    """Normalise ``text`` (§5.4 steps 1 to 6), then truncate it to ``max_bytes`` UTF-8 bytes.

    A truncated text ends with the marker, and the result, marker included, fits the limit.
    """
    # Each step is skipped when a substring search (much cheaper than a regex scan) shows it
    # would change nothing, as it does for text that is already normal (a re-sync's).
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    text = text.translate(_DELETE_TABLE)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _BLANKS.sub(" ", text)
    # After step 3 a line edge carries at most one space on either side.
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    if "\n\n\n" in text:
        text = _EMPTY_LINES.sub("\n\n", text)
    text = text.strip()
    return truncate_text(text, max_bytes)


def truncate_text(text: str, max_bytes: int) -> str:
    """Cut at a character boundary so that text plus marker fit in ``max_bytes``."""
    if len(text) * 4 <= max_bytes:  # cheap exit: even all-4-byte characters would fit
        return text
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    budget = max_bytes - _MARKER_BYTES
    if budget < 0:
        # A limit smaller than the marker leaves room for no marker at all.
        return encoded[:max_bytes].decode("utf-8", errors="ignore")
    # Decoding with "ignore" drops only the partial character the cut may leave at the end.
    return encoded[:budget].decode("utf-8", errors="ignore") + TRUNCATION_MARKER
