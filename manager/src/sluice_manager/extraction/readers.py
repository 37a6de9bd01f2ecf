"""Pure extractors for text, HTML, PDF and e-mail: bytes in, text out.

They raise whatever their parser raises on a broken file; ``worker.extract`` turns that into
``UnreadableDocument``. Normalisation (protocol §5.4) happens later, on the whole text.
"""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

# Tags whose text is never document content.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg"})
# Tags that end a line, so words of adjacent blocks do not run together.
_BLOCKS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
        "footer", "nav", "aside", "main", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
        "blockquote", "dt", "dd", "title", "hr",
    }
)  # fmt: skip


def decode_text(data: bytes, charset: str | None = None) -> str:
    """UTF-8 (with or without BOM) first; then the declared charset; then Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


class _TagStripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def strip_tags(html: str) -> str:
    """Every visible text node, one block per line: the fallback when trafilatura finds nothing
    or is not installed."""
    stripper = _TagStripper()
    stripper.feed(html)
    stripper.close()
    return "".join(stripper.parts)


def html_to_text(html: str, *, main_text: bool) -> str:
    """The readable main text (boilerplate such as navigation removed) when ``main_text`` (that
    is, trafilatura is installed) and there is one; else all visible text."""
    if not html.strip():
        return ""
    if not main_text:
        return strip_tags(html)
    import trafilatura  # heavy import, only in the worker that needs it

    main = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if main and main.strip():
        return main
    return strip_tags(html)


def read_text(data: bytes, charset: str | None = None) -> str:
    return decode_text(data, charset)


def read_html(data: bytes, charset: str | None = None, *, main_text: bool) -> str:
    return html_to_text(decode_text(data, charset), main_text=main_text)


def read_pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # Many PDFs are "encrypted" with an empty user password only to restrict printing.
        reader.decrypt("")
    return "\n\n".join(page.extract_text() or "" for page in reader.pages)


_EMAIL_HEADERS = ("Subject", "From", "To", "Cc", "Date")


def read_email(data: bytes, *, main_text: bool) -> str:
    """Main headers, then the text body (or the HTML body turned into text)."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
    lines = [f"{name}: {message[name]}" for name in _EMAIL_HEADERS if message[name]]
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if isinstance(body, EmailMessage):
        content = body.get_content()
        if isinstance(content, bytes):
            content = decode_text(content, body.get_content_charset())
        if body.get_content_type() == "text/html":
            content = html_to_text(content, main_text=main_text)
        text = content
    return "\n".join(lines) + "\n\n" + text
