"""The optional Docling service (``settings.docling_url``): tried first, never required.

Docling Serve converts a multipart upload at ``POST /v1/convert/file`` (part ``files``, options as
form fields) and answers ``{"document": {"text_content": ...}, "status": "success" | ...}``. Any
failure — unreachable, timeout, non-2xx, an unexpected body, a failed status — returns None, and
the caller falls back to the built-in extractors.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import structlog

from sluice_manager.extraction.formats import Format

log = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 120
# Plain text and e-mail gain nothing from Docling; the rest it reads as well or better.
DOCLING_FORMATS = frozenset({Format.PDF, Format.DOCX, Format.PPTX, Format.XLSX, Format.HTML})
_NAMES = {
    Format.PDF: "document.pdf",
    Format.DOCX: "document.docx",
    Format.PPTX: "document.pptx",
    Format.XLSX: "document.xlsx",
    Format.HTML: "document.html",
}


async def convert(
    session: aiohttp.ClientSession, base_url: str, fmt: Format, data: bytes
) -> str | None:
    """Docling's plain-text rendering of the file, or None to fall back."""
    if fmt not in DOCLING_FORMATS:
        return None
    form = aiohttp.FormData()
    form.add_field("to_formats", "text")
    form.add_field("do_ocr", "false")
    # Docling picks its reader from the file name's extension.
    form.add_field("files", data, filename=_NAMES[fmt], content_type="application/octet-stream")
    url = base_url.rstrip("/") + "/v1/convert/file"
    try:
        async with session.post(
            url, data=form, timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        ) as resp:
            if resp.status != 200:
                log.warning("docling_failed", status=resp.status, format=fmt.value)
                return None
            body: Any = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("docling_unavailable", error=type(exc).__name__, format=fmt.value)
        return None
    return _text_of(body, fmt)


def _text_of(body: Any, fmt: Format) -> str | None:
    if not isinstance(body, dict) or body.get("status") not in ("success", "partial_success"):
        log.warning("docling_failed", format=fmt.value)
        return None
    document = body.get("document")
    text = document.get("text_content") if isinstance(document, dict) else None
    if not isinstance(text, str):
        log.warning("docling_failed", format=fmt.value)
        return None
    return text
