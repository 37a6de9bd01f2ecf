"""The function the extraction processes run: one format's extractor, failures made explicit.

It runs in a child process (see ``pool.py``), so it logs nothing itself: a file that cannot be read
comes back as ``UnreadableDocument``, which pickles, and the manager logs it with request context.
"""

from __future__ import annotations

from collections.abc import Callable

from sluice_manager.errors import ManagerError
from sluice_manager.extraction import office, readers
from sluice_manager.extraction.formats import Format


class UnreadableDocument(ManagerError):
    """A file of a supported format that its parser could not read (protocol §4.5: empty text)."""

    def __init__(self, fmt: str, reason: str) -> None:
        # Both values go to args so the exception survives pickling across the process boundary.
        super().__init__(fmt, reason)
        self.fmt = fmt
        self.reason = reason


_BINARY: dict[Format, Callable[[bytes], str]] = {
    Format.PDF: readers.read_pdf,
    Format.DOCX: office.read_docx,
    Format.PPTX: office.read_pptx,
    Format.XLSX: office.read_xlsx,
}


def extract(fmt: Format, data: bytes, charset: str | None = None, *, main_text: bool) -> str:
    """The text of ``data`` read as ``fmt``; raises UnreadableDocument when the parser fails.

    ``main_text`` says whether trafilatura is installed to find an HTML page's main text (see
    ``availability``); the caller never asks for a format whose reader is missing.
    """
    try:
        if fmt is Format.TEXT:
            return readers.read_text(data, charset)
        if fmt is Format.HTML:
            return readers.read_html(data, charset, main_text=main_text)
        if fmt is Format.EMAIL:
            return readers.read_email(data, main_text=main_text)
        return _BINARY[fmt](data)
    except Exception as exc:
        # Parsers raise anything on a hostile file (zipfile, lxml, struct, recursion errors, ...);
        # the protocol asks for empty text in every such case, never a 500.
        raise UnreadableDocument(fmt.value, f"{type(exc).__name__}: {exc}"[:500]) from exc
