"""How the remote commands print: the API's JSON as it came (``--json``), or rich tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

Cell = Callable[[dict[str, Any]], object]


def console() -> Console:
    """stdout; when it is not a terminal, wide enough that no cell is cut, and no colours."""
    out = Console(soft_wrap=True)
    if not out.is_terminal:
        out = Console(width=200, no_color=True, highlight=False, soft_wrap=True)
    return out


def print_json(data: Any) -> None:
    """Exactly the API's answer, indented."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def text(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Iterable[tuple[str, Cell]],
    *,
    empty: str,
    title: str | None = None,
) -> None:
    """One row per item; ``columns`` are (header, cell of an item)."""
    if not rows:
        if empty:
            click.echo(empty)
        return
    columns = list(columns)
    # No vertical rules: a row's cells split on whitespace, for the shell's tools too.
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(text(cell(row)) for _, cell in columns))
    console().print(table)


def field(name: str) -> Cell:
    return lambda row: row.get(name)


def print_fields(item: dict[str, Any], names: Iterable[str]) -> None:
    """``name  value`` lines for one object."""
    names = list(names)
    width = max(len(n) for n in names)
    for name in names:
        value = item.get(name)
        shown = json.dumps(value) if isinstance(value, dict) else text(value)
        click.echo(f"{name.ljust(width)}  {shown}")
