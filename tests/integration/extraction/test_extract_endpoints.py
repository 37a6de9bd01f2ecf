"""POST /sdk/extract-content and /sdk/extract-text (protocol §4.5, §5.4, §5.5)."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from sluice_manager.extraction.resources import PERMITS
from sluice_runtime.clock import FrozenClock
from tests.integration.extraction.support import (
    AUTH,
    MULTIPART,
    fixture,
    manager,
    omni_form,
    raw_end,
    raw_part,
)
from tests.integration.manager_sdk.factories import insert_run, insert_source

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("name", "mime", "expected", "absent"),
    [
        ("quarterly-report.pdf", PDF, "Lisbon expansion plan", None),
        ("handbook.docx", DOCX, "Billing Ada Lovelace", None),
        ("roadmap.pptx", PPTX, "Webhooks everywhere", None),
        ("budget.xlsx", XLSX, "Marketing 48000", "entry-1001"),
        ("incident-review.eml", "message/rfc822", "in the Café room", None),
        ("article.html", "text/html; charset=utf-8", "SKIP LOCKED", "All rights reserved"),
        ("release-notes.md", "text/markdown", "robots.txt", None),
        ("contacts.csv", "text/csv", "grace@example.com", None),
    ],
)
async def test_extract_text_reads_every_supported_format(
    db_pool: asyncpg.Pool, name: str, mime: str, expected: str, absent: str | None
) -> None:
    async with manager(db_pool) as client:
        resp = await client.post(
            "/sdk/extract-text", data=omni_form(fixture(name), mime), headers=AUTH
        )
        assert resp.status == 200, await resp.text()
        text = (await resp.json())["text"]
    # Normalised (§5.4): tabs collapse to one space, no CR, no blank-line runs.
    assert expected in text
    assert "\t" not in text
    assert "\r" not in text
    assert "\n\n\n" not in text
    if absent is not None:
        assert absent not in text


async def test_octet_stream_uses_the_filename_part_extension(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool) as client:
        form = omni_form(
            fixture("quarterly-report.pdf"), "application/octet-stream", filename="Q3 Report.PDF"
        )
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 200
        assert "Revenue grew by twelve percent" in (await resp.json())["text"]
        # Without a filename the type is unknown: empty text, not an error.
        form = omni_form(fixture("quarterly-report.pdf"), "application/octet-stream")
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 200
        assert await resp.json() == {"text": ""}


async def test_unknown_type_gives_empty_text(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool) as client:
        form = omni_form(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", filename="logo.png")
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 200
        assert await resp.json() == {"text": ""}


@pytest.mark.parametrize(
    ("name", "mime"), [("truncated.pdf", PDF), ("corrupt.docx", DOCX), ("corrupt.docx", XLSX)]
)
async def test_unreadable_supported_file_gives_empty_text_and_a_warning(
    db_pool: asyncpg.Pool, name: str, mime: str
) -> None:
    async with manager(db_pool) as client:
        with capture_logs() as logs:
            resp = await client.post(
                "/sdk/extract-text", data=omni_form(fixture(name), mime), headers=AUTH
            )
        assert resp.status == 200
        assert await resp.json() == {"text": ""}
    warnings = [e for e in logs if e["event"] == "extraction_unreadable"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert warnings[0]["sync_run_id"] == "run-1"


async def test_extract_content_stores_a_deduplicated_text_blob(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool) as client:
        ids = []
        for _ in range(2):
            resp = await client.post(
                "/sdk/extract-content",
                data=omni_form(fixture("handbook.docx"), DOCX),
                headers=AUTH,
            )
            assert resp.status == 200
            body = await resp.json()
            assert set(body) == {"content_id"}
            ids.append(body["content_id"])
    assert ids[0] == ids[1]
    row = await db_pool.fetchrow("SELECT * FROM content_blobs WHERE id = $1", ids[0])
    assert row is not None
    assert row["content_type"] == "text/plain"
    assert "Welcome to the platform team" in row["content"]
    assert row["sha256"] == hashlib.sha256(row["content"].encode()).hexdigest()
    assert row["size_bytes"] == len(row["content"].encode())


async def test_text_is_normalised_and_truncated(db_pool: asyncpg.Pool) -> None:
    raw = "Line one\r\n\r\n\r\n  two\u200b\u00a0\t words  \rthree\x07" + " filler words" * 100
    async with manager(db_pool, max_stored_text_bytes=200) as client:
        resp = await client.post(
            "/sdk/extract-text", data=omni_form(raw.encode(), "text/plain"), headers=AUTH
        )
        text = (await resp.json())["text"]
    marker = "\n\n[Sluice: text truncated at the configured size limit]"
    assert text.startswith("Line one\n\ntwo words\nthree filler words")
    assert text.endswith(marker)
    assert len(text.encode()) <= 200


async def test_extraction_touches_a_running_run(db_pool: asyncpg.Pool) -> None:
    clock = FrozenClock()
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id, now=clock.now())
    later = clock.advance(120)
    async with manager(db_pool, clock=clock) as client:
        form = omni_form(b"hello", "text/plain", sync_run_id=run_id)
        resp = await client.post("/sdk/extract-content", data=form, headers=AUTH)
        assert resp.status == 200
        # An unknown run is not an error for extraction.
        form = omni_form(b"hello", "text/plain", sync_run_id="no-such-run")
        assert (await client.post("/sdk/extract-text", data=form, headers=AUTH)).status == 200
    activity = await db_pool.fetchval(
        "SELECT last_activity_at FROM sync_runs WHERE id = $1", run_id
    )
    assert activity == later


@pytest.mark.parametrize(
    "form_kwargs",
    [{"sync_run_id": None}, {"mime_type": ""}, {"with_data": False}, {"sync_run_id": ""}],
)
async def test_missing_part_is_400(db_pool: asyncpg.Pool, form_kwargs: dict[str, object]) -> None:
    kwargs: dict[str, object] = {"mime_type": "text/plain", **form_kwargs}
    mime = str(kwargs.pop("mime_type"))
    async with manager(db_pool) as client:
        form = omni_form(b"text", mime, **kwargs)  # type: ignore[arg-type]
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 400
        assert "error" in await resp.json()
        assert client.app[PERMITS].free == 2  # released on the error path


async def test_body_that_is_not_multipart_is_415(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool) as client:
        resp = await client.post("/sdk/extract-text", json={"data": "x"}, headers=AUTH)
        assert resp.status == 415
        assert "error" in await resp.json()


async def test_without_token_is_401(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool) as client:
        resp = await client.post("/sdk/extract-text", data=omni_form(b"x", "text/plain"))
        assert resp.status == 401


async def test_data_part_over_the_limit_is_413(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool, max_extract_input_bytes=1000) as client:
        form = omni_form(b"x" * 1001, "text/plain")
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 413
        assert await resp.json() == {"error": "data part exceeds 1000 bytes"}
        form = omni_form(b"x" * 1000, "text/plain")
        assert (await client.post("/sdk/extract-text", data=form, headers=AUTH)).status == 200
        assert client.app[PERMITS].free == 2


async def test_oversize_content_length_is_413_before_reading(db_pool: asyncpg.Pool) -> None:
    async with manager(db_pool, max_extract_input_bytes=1000) as client:
        form = omni_form(b"x", "text/plain")
        # A file object: aiohttp warns (an error here) on raw bytes over 1 MiB.
        form.add_field("padding", io.BytesIO(b"p" * ((1 << 20) + 2000)), filename="pad")
        resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
        assert resp.status == 413
        assert await resp.json() == {"error": f"request body exceeds {1000 + (1 << 20)} bytes"}


async def test_ignored_parts_count_toward_the_body_limit_while_reading(
    db_pool: asyncpg.Pool,
) -> None:
    async def chunked() -> AsyncIterator[bytes]:
        # No Content-Length: only counting while reading can refuse this body.
        yield raw_part("sync_run_id", b"run-1") + raw_part("mime_type", b"text/plain")
        yield raw_part("padding", b"p" * ((1 << 20) + 2000))
        yield raw_part("data", b"x", filename="file") + raw_end()

    async with manager(db_pool, max_extract_input_bytes=1000) as client:
        resp = await client.post("/sdk/extract-text", data=chunked(), headers={**AUTH, **MULTIPART})
        assert resp.status == 413
        assert await resp.json() == {"error": f"request body exceeds {1000 + (1 << 20)} bytes"}
        assert client.app[PERMITS].free == 2


class _HeldUpload:
    """A chunked upload that stops after its text parts until released: it holds a permit."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def body(self) -> AsyncIterator[bytes]:
        yield raw_part("sync_run_id", b"run-held") + raw_part("mime_type", b"text/plain")
        await self.release.wait()
        yield raw_part("data", b"held text", filename="file") + raw_end()


async def _wait_for_free(client: object, free: int) -> None:
    app = client.app  # type: ignore[attr-defined]
    while app[PERMITS].free != free:
        await asyncio.sleep(0.01)


async def test_busy_extraction_is_429_with_retry_after_and_frees_on_completion(
    db_pool: asyncpg.Pool,
) -> None:
    async with manager(
        db_pool,
        extraction_concurrency=1,
        extraction_retry_after_seconds=7,
        max_extract_input_bytes=1000,
    ) as client:
        held = _HeldUpload()
        first = asyncio.create_task(
            client.post("/sdk/extract-text", data=held.body(), headers={**AUTH, **MULTIPART})
        )
        try:
            await asyncio.wait_for(_wait_for_free(client, 0), 10)
            resp = await client.post(
                "/sdk/extract-text", data=omni_form(b"second", "text/plain"), headers=AUTH
            )
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "7"
            assert await resp.json() == {"error": "document extraction is busy"}
            # Content-Length is checked before the permit: oversize is 413 even when busy.
            resp = await client.post(
                "/sdk/extract-text",
                data=omni_form(io.BytesIO(b"x" * ((1 << 20) + 1001)), "text/plain"),
                headers=AUTH,
            )
            assert resp.status == 413
        finally:
            held.release.set()
            done = await first
        assert done.status == 200
        assert await done.json() == {"text": "held text"}
        assert client.app[PERMITS].free == 1
        resp = await client.post(
            "/sdk/extract-text", data=omni_form(b"third", "text/plain"), headers=AUTH
        )
        assert resp.status == 200


def _docling_app(
    answer: web.Response | None, seen: list[dict[str, object]] | None = None
) -> web.Application:
    """A stand-in Docling Serve: its /v1/convert/file form, recorded in ``seen``."""
    seen = seen if seen is not None else []

    async def convert(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        upload = form["files"]
        seen.append(
            {"to_formats": form.getall("to_formats"), "filename": getattr(upload, "filename", "")}
        )
        if answer is not None:
            return answer
        return web.json_response(
            {"status": "success", "document": {"text_content": "Docling says hello\r\n\r\n\r\n"}}
        )

    app = web.Application()
    app.router.add_post("/v1/convert/file", convert)
    return app


async def test_docling_is_used_first_when_configured(db_pool: asyncpg.Pool) -> None:
    seen: list[dict[str, object]] = []
    docling = TestServer(_docling_app(None, seen))
    async with docling:
        async with manager(db_pool, docling_url=str(docling.make_url("/"))) as client:
            resp = await client.post(
                "/sdk/extract-text",
                data=omni_form(fixture("quarterly-report.pdf"), PDF),
                headers=AUTH,
            )
            assert await resp.json() == {"text": "Docling says hello"}
            # Plain text never goes to Docling.
            resp = await client.post(
                "/sdk/extract-text", data=omni_form(b"plain", "text/plain"), headers=AUTH
            )
            assert await resp.json() == {"text": "plain"}
        assert seen == [{"to_formats": ["text"], "filename": "document.pdf"}]


async def test_docling_failure_falls_back_to_built_in_extraction(db_pool: asyncpg.Pool) -> None:
    docling = TestServer(_docling_app(web.json_response({"detail": "boom"}, status=500)))
    async with docling, manager(db_pool, docling_url=str(docling.make_url("/"))) as client:
        resp = await client.post(
            "/sdk/extract-text",
            data=omni_form(fixture("quarterly-report.pdf"), PDF),
            headers=AUTH,
        )
        assert "Lisbon expansion plan" in (await resp.json())["text"]
    # And an unreachable Docling service.
    async with manager(db_pool, docling_url="http://127.0.0.1:9") as client:
        resp = await client.post(
            "/sdk/extract-text", data=omni_form(fixture("quarterly-report.pdf"), PDF), headers=AUTH
        )
        assert "Lisbon expansion plan" in (await resp.json())["text"]
