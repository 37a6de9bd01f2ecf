"""Pure extractors for OOXML: Word (with tables), PowerPoint, Excel (≤ 1000 rows a sheet)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

# Protocol §4.5: at most this many rows of each sheet are read.
MAX_SHEET_ROWS = 1000


def _row_text(cells: Iterable[str]) -> str:
    return "\t".join(c for c in cells if c)


def read_docx(data: bytes) -> str:
    """Paragraphs and tables in document order; a table row becomes one tab-separated line."""
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_docx_table(block))
            lines.append("")
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _docx_table(table: Any) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; keep it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        yield _row_text(cells)


def read_pptx(data: bytes) -> str:
    """Each slide's text frames and tables, then its speaker notes."""
    from pptx import Presentation

    presentation = Presentation(io.BytesIO(data))
    slides: list[str] = []
    for slide in presentation.slides:
        lines = list(_shape_lines(slide.shapes))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            lines.append(slide.notes_slide.notes_text_frame.text)
        slides.append("\n".join(lines))
    return "\n\n".join(slides)


def _shape_lines(shapes: Iterable[Any]) -> Iterator[str]:
    for shape in shapes:
        if getattr(shape, "shapes", None) is not None:  # a group shape
            yield from _shape_lines(shape.shapes)
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                yield _row_text(cell.text.strip() for cell in row.cells)


def read_xlsx(data: bytes) -> str:
    """Each sheet's name, then up to MAX_SHEET_ROWS rows as tab-separated cell values."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets: list[str] = []
        for sheet in workbook.worksheets:
            lines = [sheet.title]
            for row in sheet.iter_rows(max_row=MAX_SHEET_ROWS, values_only=True):
                line = _row_text("" if v is None else str(v) for v in row)
                if line:
                    lines.append(line)
            sheets.append("\n".join(lines))
        return "\n\n".join(sheets)
    finally:
        workbook.close()
