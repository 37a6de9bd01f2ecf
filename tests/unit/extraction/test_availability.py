"""Which formats the manager extracts depends on what its `extraction` extra installed.

A module that cannot be imported is simulated the way Python itself spells it: ``sys.modules[name]
= None`` makes ``import name`` raise ModuleNotFoundError and ``find_spec(name)`` return None.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sluice_manager.extraction import availability, readers
from sluice_manager.extraction.availability import Extractors, ReaderMissing
from sluice_manager.extraction.formats import Format
from sluice_manager.extraction.worker import UnreadableDocument, extract

FIXTURES = Path(__file__).parents[2] / "fixtures" / "extraction"
SAMPLES = {
    Format.PDF: "quarterly-report.pdf",
    Format.DOCX: "handbook.docx",
    Format.PPTX: "roadmap.pptx",
    Format.XLSX: "budget.xlsx",
}


def test_the_workspace_installs_every_reader() -> None:
    assert availability.detect() == availability.ALL


def test_a_missing_module_makes_its_format_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    found = availability.detect()
    assert found == Extractors(unavailable=frozenset({Format.PDF}), main_text=False)
    assert found.missing_modules == ["pypdf", "trafilatura"]


def test_without_any_of_the_extra_four_formats_are_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for module in [*availability.READER_MODULES.values(), availability.MAIN_TEXT_MODULE]:
        monkeypatch.setitem(sys.modules, module, None)
    found = availability.detect()
    assert found.unavailable == {Format.PDF, Format.DOCX, Format.PPTX, Format.XLSX}
    assert not found.main_text
    assert found.missing_modules == ["docx", "pypdf", "pptx", "openpyxl", "trafilatura"]


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_each_reader_needs_exactly_the_module_availability_checks(
    monkeypatch: pytest.MonkeyPatch, fmt: Format
) -> None:
    data = (FIXTURES / SAMPLES[fmt]).read_bytes()
    assert extract(fmt, data, main_text=True)  # readable while the module is there
    monkeypatch.setitem(sys.modules, availability.READER_MODULES[fmt], None)
    with pytest.raises(UnreadableDocument) as info:
        extract(fmt, data, main_text=True)
    assert info.value.reason.startswith("ModuleNotFoundError")


def test_html_needs_trafilatura_only_for_its_main_text(monkeypatch: pytest.MonkeyPatch) -> None:
    html = (FIXTURES / "article.html").read_bytes()
    monkeypatch.setitem(sys.modules, availability.MAIN_TEXT_MODULE, None)
    with pytest.raises(ModuleNotFoundError):
        readers.read_html(html, main_text=True)
    assert "FOR UPDATE SKIP LOCKED" in readers.read_html(html, main_text=False)


def test_the_error_names_the_extra() -> None:
    assert str(ReaderMissing(Format.DOCX)) == (
        "this manager cannot extract DOCX files without its extraction extra: "
        "pip install 'sluice-manager[extraction]'"
    )
