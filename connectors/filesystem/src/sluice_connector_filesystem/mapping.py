"""Pure mapping: a file (path, size, times, bytes) → the document Sluice stores."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import PurePosixPath

from sluice_connector_filesystem.client import SNIFF_BYTES, FileEntry
from sluice_connector_filesystem.config import FilesystemConfig
from sluice_sdk.models import DocumentMetadata, DocumentPermissions


class ContentKind(Enum):
    TEXT = "text"  # decoded here and stored with save_text
    EXTRACT = "extract"  # a document format the manager extracts (save_file)
    OPAQUE = "opaque"  # other binary (images, archives): indexed by name and path only


# Formats the manager extracts (protocol §4.5), by extension.
EXTRACTED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "eml": "message/rfc822",
    "html": "text/html",
    "htm": "text/html",
    "xhtml": "application/xhtml+xml",
}
TEXT_TYPES = {
    "md": "text/markdown",
    "markdown": "text/markdown",
    "rst": "text/x-rst",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "toml": "application/toml",
    "sql": "application/sql",
}


def extension(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if suffix else ""


def mime_type_of(name: str) -> str:
    ext = extension(name)
    known = EXTRACTED_TYPES.get(ext) or TEXT_TYPES.get(ext)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def looks_like_text(head: bytes) -> bool:
    """No NUL byte and valid UTF-8 (a multi-byte character may be cut at the sniff boundary)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and len(head) >= SNIFF_BYTES - 3
    return True


def content_kind(name: str, head: bytes) -> ContentKind:
    ext = extension(name)
    if ext in EXTRACTED_TYPES:
        return ContentKind.EXTRACT
    if ext in TEXT_TYPES or looks_like_text(head):
        return ContentKind.TEXT
    # Extraction would answer empty text anyway; skip the upload and keep the permit free.
    return ContentKind.OPAQUE


def decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def title_of(name: str, text: str | None) -> str:
    """A Markdown file's first heading, else the file name."""
    if text is not None and extension(name) in ("md", "markdown"):
        for line in text.splitlines()[:50]:
            stripped = line.strip()
            if stripped.startswith("# "):
                return stripped[2:].strip() or name
    return name


def permissions(config: FilesystemConfig) -> DocumentPermissions:
    return DocumentPermissions(public=config.public, users=config.users, groups=config.groups)


@dataclass(frozen=True, slots=True)
class FileDocument:
    document_id: str
    metadata: DocumentMetadata


def map_file(entry: FileEntry, text: str | None) -> FileDocument:
    name = PurePosixPath(entry.relative_path).name
    modified = datetime.fromtimestamp(entry.mtime_ns / 1e9, tz=UTC)
    metadata = DocumentMetadata(
        title=title_of(name, text),
        updated_at=modified,
        content_type="file",
        mime_type=mime_type_of(name),
        size=str(entry.size),
        url=entry.path.as_uri(),
        path=entry.document_id,
        extra={"extension": extension(name), "mtime_ns": entry.mtime_ns},
    )
    return FileDocument(entry.document_id, metadata)
