"""Stored text normalisation and truncation (protocol §5.4)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluice_manager.queue.text import TRUNCATION_MARKER, normalise_text

BIG = 1 << 20


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("zero\u200bwidth\u200c\u200d\ufeffsoft\u00adhyphen", "zerowidthsofthyphen"),
        ("bell\x07 nul\x00 del\x7f c1\x85 kept\ttab", "bell nul del c1 kept tab"),
        ("many   spaces\t\t\tand\u00a0\u00a0nbsp", "many spaces and nbsp"),
        ("  left\nright  \n \t both \t ", "left\nright\nboth"),
        ("a\n\n\n\nb\n \n\t\n\nc", "a\n\nb\n\nc"),
        ("\n\n  \ttext\n\n\n", "text"),
        ("", ""),
        ("\r\n\r\n", ""),
        ("unicode \u2003 em space kept", "unicode \u2003 em space kept"),
        ("line\r\n\r\n\r\n\r\nnext", "line\n\nnext"),
    ],
)
def test_normalisation_steps(raw: str, expected: str) -> None:
    assert normalise_text(raw, BIG) == expected


def test_short_text_is_not_truncated() -> None:
    assert normalise_text("x" * 100, 100) == "x" * 100


def test_truncation_marker_fits_the_limit() -> None:
    limit = 200
    out = normalise_text("word " * 1000, limit)
    assert out.endswith(TRUNCATION_MARKER)
    assert len(out.encode("utf-8")) <= limit
    assert out.startswith("word word")


def test_truncation_cuts_at_a_character_boundary() -> None:
    limit = 101
    out = normalise_text("\u20ac" * 1000, limit)  # three bytes each
    encoded = out.encode("utf-8")
    assert len(encoded) <= limit
    assert out.endswith(TRUNCATION_MARKER)
    body = out[: -len(TRUNCATION_MARKER)]
    assert set(body) == {"\u20ac"}
    assert len(body) == (limit - len(TRUNCATION_MARKER.encode())) // 3


@given(st.text(), st.integers(min_value=60, max_value=400))
def test_result_always_fits_and_is_idempotent_below_limit(text: str, limit: int) -> None:
    out = normalise_text(text, limit)
    assert len(out.encode("utf-8")) <= limit
    if not out.endswith(TRUNCATION_MARKER):
        assert normalise_text(out, limit) == out


def _reference(text: str) -> str:
    """§5.4 steps 1-6 written plainly, one regex per step, every step always applied."""
    text = re.sub(r"\r\n?", "\n", text)
    text = "".join(c for c in text if not _deleted(c))
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _deleted(c: str) -> bool:
    code = ord(c)
    if code in (0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD):
        return True
    return (code < 0x20 or 0x7F <= code < 0xA0) and code not in (0x0A, 0x09)


@given(st.text(alphabet=st.sampled_from(list("ab \t\u00a0\n\r\x00\u200b\x85")), max_size=60))
def test_the_fast_paths_normalise_as_the_plain_steps_do(text: str) -> None:
    assert normalise_text(text, 10**6) == _reference(text)
