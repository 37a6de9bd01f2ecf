"""Which formats this installation can extract: their readers come from an optional extra.

``pip install sluice-manager`` leaves out pypdf, python-docx, python-pptx, openpyxl and trafilatura;
``pip install 'sluice-manager[extraction]'`` adds them. Without them plain text, e-mail and HTML
still extract (HTML as all of its visible text instead of trafilatura's main text), and PDF, Word,
slides and sheets are answered with 501 naming the extra (protocol §4.5). What is installed is
looked up once, when the manager starts, and handed to the worker pool.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from sluice_manager.errors import ManagerError
from sluice_manager.extraction.formats import Format

INSTALL = "pip install 'sluice-manager[extraction]'"

# The module each format's reader imports; all four come with the extra.
READER_MODULES: dict[Format, str] = {
    Format.PDF: "pypdf",
    Format.DOCX: "docx",
    Format.PPTX: "pptx",
    Format.XLSX: "openpyxl",
}
# Finds HTML's main text (navigation and footers left out); without it, all visible text.
MAIN_TEXT_MODULE = "trafilatura"


class ReaderMissing(ManagerError):
    """A format whose reader is not installed (protocol §4.5: 501)."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.message = (
            f"this manager cannot extract {fmt.value.upper()} files without its extraction "
            f"extra: {INSTALL}"
        )
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Extractors:
    """What this installation reads beyond plain text, e-mail and HTML's visible text."""

    unavailable: frozenset[Format]
    main_text: bool

    @property
    def missing_modules(self) -> list[str]:
        missing = [READER_MODULES[fmt] for fmt in sorted(self.unavailable)]
        return missing if self.main_text else [*missing, MAIN_TEXT_MODULE]


ALL = Extractors(unavailable=frozenset(), main_text=True)


def _installed(module: str) -> bool:
    # find_spec locates a module without importing it (the readers are heavy imports).
    return importlib.util.find_spec(module) is not None


def detect() -> Extractors:
    """What is installed in this process's environment."""
    return Extractors(
        unavailable=frozenset(
            fmt for fmt, module in READER_MODULES.items() if not _installed(module)
        ),
        main_text=_installed(MAIN_TEXT_MODULE),
    )
