"""Checks of a declarative connector's descriptor: every problem the validator reports, and read
operations that page but are read in one request.

A parameter is *page-like* when its name, lowercased without ``_``/``-``/``$``, is one of
``_PAGE_PARAMETERS`` (``page``, ``per_page``, ``offset``, ``cursor``, ``limit``, ``startAt``,
``maxResults``, ``$top``, ``pageToken``...). Then:

* a stream with ``pagination.style: none`` whose operation has a page-like parameter reads one page
  (``descriptor-unpaginated-stream``, major, high confidence);
* when the descriptor has streams, a read operation with a page-like parameter that no stream reads
  (``descriptor-unpaginated-operation``, major, low confidence: it may be meant only as an action).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sluice_cli.kit.checks.finding import Finding
from sluice_descriptor import Descriptor, load_path
from sluice_descriptor.loader import parse_text

_PAGE_PARAMETERS = {
    "page",
    "pages",
    "perpage",
    "pagesize",
    "pagenumber",
    "pagetoken",
    "nextpagetoken",
    "nexttoken",
    "offset",
    "cursor",
    "limit",
    "startat",
    "start",
    "maxresults",
    "after",
    "skip",
    "top",
    "marker",
    "continuation",
    "continuationtoken",
}


def _page_like(name: str) -> bool:
    return name.lower().translate(str.maketrans("", "", "_-$")) in _PAGE_PARAMETERS


def is_descriptor(path: Path) -> bool:
    """A ``.yaml``/``.yml``/``.json`` file whose top level is a mapping with ``metadata``."""
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            return '"metadata"' in text
        return isinstance(data, dict) and "metadata" in data
    tree, problems = parse_text(text)
    if problems:
        return any(line.startswith("metadata:") for line in text.splitlines())
    return isinstance(tree, dict) and "metadata" in tree


def _line_of(tree: Any, *keys: str | int) -> int | None:
    """The 1-based line of the node at ``keys`` in a round-trip tree (``.lc`` positions)."""
    node = tree
    line: int | None = None
    for key in keys:
        try:
            lc = node.lc
            line = (lc.item(key) if isinstance(key, int) else lc.key(key))[0] + 1
            node = node[key]
        except (AttributeError, KeyError, IndexError, TypeError):
            return line
    return line


def check_descriptor(path: Path, shown: str) -> list[Finding]:
    validation = load_path(path)
    findings = [
        Finding(
            "descriptor-invalid",
            "blocker",
            "high",
            shown,
            problem.line or 1,
            (f"{problem.path}: " if problem.path else "")
            + problem.message
            + (f" (column {problem.column})" if problem.column else ""),
            "descriptors",
        )
        for problem in validation.problems
    ]
    if validation.descriptor is None:
        return findings
    tree, _ = parse_text(path.read_text(encoding="utf-8"))
    return findings + _pagination(validation.descriptor, tree, shown)


def _pagination(descriptor: Descriptor, tree: Any, shown: str) -> list[Finding]:
    findings: list[Finding] = []
    operations = {op.operation_id: (index, op) for index, op in enumerate(descriptor.operations)}
    streams = descriptor.sync.streams if descriptor.sync else []
    streamed = {stream.operation_id for stream in streams}
    for index, stream in enumerate(streams):
        found = operations.get(stream.operation_id)
        if found is None or stream.pagination.style != "none":
            continue
        paged = [p.name for p in found[1].parameters if _page_like(p.name)]
        if paged:
            line = _line_of(tree, "sync", "streams", index) or 1
            findings.append(
                Finding(
                    "descriptor-unpaginated-stream",
                    "major",
                    "high",
                    shown,
                    line,
                    f"stream {stream.name!r} reads {stream.operation_id!r} with pagination style "
                    f"none, but the operation takes {', '.join(paged)}: only the first page "
                    "is synced",
                    "pagination",
                )
            )
    if not streams:
        return findings
    for operation_id, (index, operation) in operations.items():
        if operation_id in streamed or not operation.is_read:
            continue
        paged = [p.name for p in operation.parameters if _page_like(p.name)]
        if paged:
            line = _line_of(tree, "operations", index) or 1
            findings.append(
                Finding(
                    "descriptor-unpaginated-operation",
                    "major",
                    "low",
                    shown,
                    line,
                    f"read operation {operation_id!r} takes {', '.join(paged)} but no stream "
                    "reads it page by page",
                    "pagination",
                )
            )
    return findings
