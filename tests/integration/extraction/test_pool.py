"""The extraction worker pool: real worker processes, recovery after a stuck parse."""

from __future__ import annotations

import pytest

from sluice_manager.extraction.availability import ALL, Extractors, ReaderMissing
from sluice_manager.extraction.formats import Format
from sluice_manager.extraction.pool import ExtractionPool
from sluice_manager.extraction.worker import UnreadableDocument
from tests.integration.extraction.support import fixture

PDF = fixture("quarterly-report.pdf")


async def test_a_timed_out_extraction_is_unreadable_and_the_pool_recovers() -> None:
    # No worker can even start within a microsecond: the timeout path, deterministically.
    pool = ExtractionPool(1, ALL, timeout=1e-6)
    try:
        with pytest.raises(UnreadableDocument) as info:
            await pool.extract(Format.PDF, PDF, None, 1 << 20)
        assert info.value.reason == "extraction timed out"
        pool.timeout = 120
        text = await pool.extract(Format.PDF, PDF, None, 1 << 20)
        assert "Lisbon expansion plan" in text
    finally:
        await pool.close()


async def test_text_comes_back_normalised_and_truncated() -> None:
    pool = ExtractionPool(1, ALL)
    try:
        text = await pool.extract(Format.TEXT, b"a\r\n\r\n\r\nb\tc" + b" x" * 500, None, 100)
        assert text.startswith("a\n\nb c x")
        assert text.endswith("[Sluice: text truncated at the configured size limit]")
        assert len(text.encode()) <= 100
    finally:
        await pool.close()


async def test_without_the_extra_the_workers_read_html_as_visible_text() -> None:
    # What the manager hands the pool when pypdf and trafilatura are not installed.
    pool = ExtractionPool(1, Extractors(unavailable=frozenset({Format.PDF}), main_text=False))
    try:
        with pytest.raises(ReaderMissing) as info:
            await pool.extract(Format.PDF, PDF, None, 1 << 20)
        assert info.value.fmt is Format.PDF
        text = await pool.extract(Format.HTML, fixture("article.html"), "utf-8", 1 << 20)
        assert "FOR UPDATE SKIP LOCKED" in text
        assert "All rights reserved" in text  # trafilatura would have dropped the footer
    finally:
        await pool.close()
