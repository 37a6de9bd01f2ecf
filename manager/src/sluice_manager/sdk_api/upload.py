"""Reading the extraction upload (protocol §4.5): multipart parts with their size limits.

The body is streamed part by part: the ``data`` part is refused with 413 as soon as it passes
``max_extract_input_bytes``, and the whole body as soon as it passes that plus 1 MiB, so an
oversize upload never sits in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.helpers import parse_mimetype

from sluice_manager.http.body import too_large
from sluice_manager.http.errors import HttpError

# Room the other parts and the multipart framing may take on top of the data part.
FORM_OVERHEAD_BYTES = 1 << 20
# A text field (run id, MIME type, file name) longer than this is not a plausible value.
MAX_FIELD_BYTES = 64 * 1024
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Upload:
    sync_run_id: str
    mime_type: str
    filename: str | None
    data: bytes


def body_limit(max_data_bytes: int) -> int:
    return max_data_bytes + FORM_OVERHEAD_BYTES


def check_headers(request: web.Request, max_data_bytes: int) -> None:
    """The checks made before a permit is taken: 413 from Content-Length, then 415."""
    limit = body_limit(max_data_bytes)
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit)
    if not request.content_type.startswith("multipart/"):
        raise HttpError(415, f"unsupported content type {request.content_type!r}")
    if not parse_mimetype(request.headers.get("Content-Type", "")).parameters.get("boundary"):
        raise HttpError(400, "multipart body without a boundary")


class _Reader:
    def __init__(self, request: web.Request, max_data_bytes: int) -> None:
        self._request = request
        self._max_data = max_data_bytes
        self._max_body = body_limit(max_data_bytes)

    def _check_body(self) -> None:
        # Counts the raw bytes received, framing and ignored parts included.
        if self._request.content.total_bytes > self._max_body:
            raise too_large(self._max_body)

    async def read_part(self, part: BodyPartReader, limit: int) -> bytes | None:
        """The part's decoded bytes, or None once it passes ``limit``."""
        chunks: list[bytes] = []
        size = 0
        while chunk := await part.read_chunk(_CHUNK):
            self._check_body()
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        self._check_body()
        # Transfer and content encodings can change the size; the limit is on the decoded bytes.
        decoded = bytes(part.decode(b"".join(chunks)))
        return decoded if len(decoded) <= limit else None

    async def drain(self, part: BodyPartReader) -> None:
        while await part.read_chunk(_CHUNK):
            self._check_body()

    async def field(self, part: BodyPartReader) -> str:
        raw = await self.read_part(part, MAX_FIELD_BYTES)
        if raw is None:
            raise HttpError(400, f"multipart part {part.name!r} is too long")
        try:
            return raw.decode(part.get_charset("utf-8")).strip()
        except (UnicodeDecodeError, LookupError) as exc:
            raise HttpError(400, f"multipart part {part.name!r} is not valid text") from exc

    async def data(self, part: BodyPartReader) -> bytes:
        raw = await self.read_part(part, self._max_data)
        if raw is None:
            raise HttpError(413, f"data part exceeds {self._max_data} bytes")
        return raw


async def read_upload(request: web.Request, max_data_bytes: int) -> Upload:
    """The parts of §4.5; 400 for a missing or malformed part, 413 for an oversize one."""
    reader = _Reader(request, max_data_bytes)
    fields: dict[str, str] = {}
    data: bytes | None = None
    try:
        multipart = await request.multipart()
        while (part := await multipart.next()) is not None:
            if isinstance(part, MultipartReader):  # a nested multipart is no part of ours
                await _skip_nested(reader, part)
            elif part.name == "data" and data is None:
                data = await reader.data(part)
            elif part.name in ("sync_run_id", "mime_type", "filename") and part.name not in fields:
                fields[part.name] = await reader.field(part)
            else:
                await reader.drain(part)
    except (ValueError, AssertionError, RuntimeError) as exc:
        # aiohttp's multipart reader reports broken framing with these.
        raise HttpError(400, f"malformed multipart body: {exc}") from exc
    for name in ("sync_run_id", "mime_type"):
        if not fields.get(name):
            raise HttpError(400, f"multipart part {name!r} is required")
    if data is None:
        raise HttpError(400, "multipart part 'data' is required")
    return Upload(
        sync_run_id=fields["sync_run_id"],
        mime_type=fields["mime_type"],
        filename=fields.get("filename") or None,
        data=data,
    )


async def _skip_nested(reader: _Reader, nested: MultipartReader) -> None:
    while (inner := await nested.next()) is not None:
        if isinstance(inner, MultipartReader):
            await _skip_nested(reader, inner)
        else:
            await reader.drain(inner)
