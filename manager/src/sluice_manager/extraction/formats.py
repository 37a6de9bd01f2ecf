"""Which extractor reads an upload: its MIME type, else its extension (protocol §4.5 table)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath


class Format(StrEnum):
    TEXT = "text"
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"
    EMAIL = "email"


_OOXML = "application/vnd.openxmlformats-officedocument"

BY_MIME: dict[str, Format] = {
    "text/plain": Format.TEXT,
    "text/markdown": Format.TEXT,
    "text/x-markdown": Format.TEXT,
    "text/csv": Format.TEXT,
    "text/html": Format.HTML,
    "application/xhtml+xml": Format.HTML,
    "application/pdf": Format.PDF,
    "application/x-pdf": Format.PDF,
    f"{_OOXML}.wordprocessingml.document": Format.DOCX,
    f"{_OOXML}.presentationml.presentation": Format.PPTX,
    f"{_OOXML}.spreadsheetml.sheet": Format.XLSX,
    "message/rfc822": Format.EMAIL,
}

BY_EXTENSION: dict[str, Format] = {
    "txt": Format.TEXT,
    "md": Format.TEXT,
    "markdown": Format.TEXT,
    "csv": Format.TEXT,
    "html": Format.HTML,
    "htm": Format.HTML,
    "xhtml": Format.HTML,
    "pdf": Format.PDF,
    "docx": Format.DOCX,
    "pptx": Format.PPTX,
    "xlsx": Format.XLSX,
    "eml": Format.EMAIL,
}

OCTET_STREAM = "application/octet-stream"


def parse_mime(mime_type: str) -> tuple[str, str | None]:
    """``(essence, charset)``: the type lowercased without parameters, and a charset if given."""
    essence, _, params = mime_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return essence.strip().lower(), charset


def extension_of(filename: str | None) -> str:
    if not filename:
        return ""
    # Connectors send paths from any OS; the extension is what follows the last dot of the name.
    name = PurePosixPath(filename.replace("\\", "/")).name
    return name.rpartition(".")[2].lower() if "." in name else ""


def detect_format(mime_type: str, filename: str | None) -> Format | None:
    """The format to extract, or None for a type Sluice does not read (empty text, not an error)."""
    essence, _ = parse_mime(mime_type)
    if essence == OCTET_STREAM:
        return BY_EXTENSION.get(extension_of(filename))
    return BY_MIME.get(essence)
