"""The pure extractors read real files (tests/fixtures/extraction) (protocol §4.5 format table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluice_manager.extraction import office, readers
from sluice_manager.extraction.formats import Format, detect_format
from sluice_manager.extraction.worker import UnreadableDocument, extract

FIXTURES = Path(__file__).parents[2] / "fixtures" / "extraction"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("mime", "filename", "expected"),
    [
        ("text/plain", None, Format.TEXT),
        ("Text/Markdown; charset=UTF-8", None, Format.TEXT),
        ("text/x-markdown", None, Format.TEXT),
        ("text/csv", None, Format.TEXT),
        ("text/html", None, Format.HTML),
        ("application/xhtml+xml", None, Format.HTML),
        ("application/pdf", None, Format.PDF),
        ("application/x-pdf", "ignored.docx", Format.PDF),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            None,
            Format.DOCX,
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            None,
            Format.PPTX,
        ),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None, Format.XLSX),
        ("message/rfc822", None, Format.EMAIL),
        ("application/octet-stream", "Report.PDF", Format.PDF),
        ("application/octet-stream", "dir/notes.markdown", Format.TEXT),
        ("application/octet-stream", "C:\\docs\\page.htm", Format.HTML),
        ("application/octet-stream", "mail.eml", Format.EMAIL),
        ("application/octet-stream", "archive.tar.gz", None),
        ("application/octet-stream", "file", None),
        ("application/octet-stream", None, None),
        ("image/png", "picture.pdf", None),
    ],
)
def test_format_comes_from_mime_type_then_extension(
    mime: str, filename: str | None, expected: Format | None
) -> None:
    assert detect_format(mime, filename) == expected


def test_plain_text_decodes_utf8_with_bom_and_falls_back() -> None:
    assert readers.read_text("\ufeffCafé".encode()) == "Café"
    assert readers.read_text("Café".encode("latin-1"), "iso-8859-1") == "Café"
    assert readers.read_text("naïve".encode("cp1252")) == "naïve"


def test_markdown_and_csv_are_read_as_they_are() -> None:
    assert "robots.txt" in extract(Format.TEXT, fixture("release-notes.md"), main_text=True)
    assert "grace@example.com" in extract(Format.TEXT, fixture("contacts.csv"), main_text=True)


def test_html_keeps_the_article_and_drops_the_boilerplate() -> None:
    text = readers.read_html(fixture("article.html"), main_text=True)
    assert "FOR UPDATE SKIP LOCKED" in text
    assert "Throughput stayed within five percent" in text
    assert "Careers" not in text
    assert "All rights reserved" not in text
    assert "window.analytics" not in text


def test_html_without_a_main_text_falls_back_to_all_visible_text() -> None:
    html = b"<html><head><script>var x=1;</script></head><body><p>Hi</p><p>there</p></body></html>"
    text = readers.read_html(html, main_text=True)
    assert "Hi" in text
    assert "there" in text
    assert "var x" not in text
    assert readers.strip_tags("<div>a</div><div>b</div><style>p{}</style>").split() == ["a", "b"]


def test_html_without_trafilatura_is_all_visible_text() -> None:
    text = readers.read_html(fixture("article.html"), main_text=False)
    assert "FOR UPDATE SKIP LOCKED" in text
    assert "All rights reserved" in text  # boilerplate is kept: only trafilatura finds it
    assert "window.analytics" not in text
    assert "<p>" not in text
    email = readers.read_email(fixture("invoice-html-only.eml"), main_text=False)
    assert "1,250 EUR" in email
    assert "<h1>" not in email


def test_pdf_text_of_every_page() -> None:
    text = readers.read_pdf(fixture("quarterly-report.pdf"))
    assert "Revenue grew by twelve percent" in text
    assert "Lisbon expansion plan" in text


def test_docx_paragraphs_and_tables_in_order() -> None:
    text = office.read_docx(fixture("handbook.docx"))
    assert text.index("Welcome to the platform team") < text.index("Billing\tAda Lovelace")
    assert text.index("Search\tGrace Hopper") < text.index("#platform channel")


def test_pptx_slides_tables_and_notes() -> None:
    text = office.read_pptx(fixture("roadmap.pptx"))
    for expected in ("Roadmap 2027", "connector catalogue", "hiring plan", "Q1\tWebhooks"):
        assert expected in text


def test_xlsx_reads_every_sheet_up_to_1000_rows() -> None:
    text = office.read_xlsx(fixture("budget.xlsx"))
    assert "Research\t125000" in text
    assert "entry-1000\t1000" in text
    assert "entry-1001" not in text


def test_email_headers_and_plain_body() -> None:
    text = readers.read_email(fixture("incident-review.eml"), main_text=True)
    assert "Subject: Incident review moved to Thursday" in text
    assert "From: Grace Hopper <grace@example.com>" in text
    assert "at 14:00 in the Café room" in text
    assert "<p>" not in text


def test_email_with_only_html_body_is_converted() -> None:
    text = readers.read_email(fixture("invoice-html-only.eml"), main_text=True)
    assert "Subject: Your invoice is ready" in text
    assert "1,250 EUR" in text
    assert "<h1>" not in text


@pytest.mark.parametrize(
    ("fmt", "name"),
    [(Format.PDF, "truncated.pdf"), (Format.DOCX, "corrupt.docx"), (Format.XLSX, "corrupt.docx")],
)
def test_broken_files_raise_unreadable(fmt: Format, name: str) -> None:
    with pytest.raises(UnreadableDocument) as info:
        extract(fmt, fixture(name), main_text=True)
    assert info.value.fmt == fmt.value
