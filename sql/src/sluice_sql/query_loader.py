"""Named SQL statements, loaded once from ``sql/queries/*.sql``.

Each statement sits under a ``-- name: verb_object`` header, followed by comment lines that describe
it (and the order of its ``$n`` parameters), then the statement itself up to the next header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sluice_sql.errors import QueryFileError, UnknownQueryError

QUERIES_DIR = Path(__file__).with_name("queries")
_HEADER = re.compile(r"^--\s*name:\s*(?P<name>[a-z][a-z0-9_]*)\s*$")


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    doc: str
    sql: str
    origin: str

    def __str__(self) -> str:
        return self.sql


def parse_queries(text: str, origin: str) -> Iterator[Query]:
    """Split one file into queries. Text before the first header may only be comments."""
    name: str | None = None
    doc: list[str] = []
    body: list[str] = []

    def finish() -> Query | None:
        if name is None:
            return None
        statement = "\n".join(body).strip().rstrip(";").strip()
        if not statement:
            raise QueryFileError(f"{origin}: query {name!r} has no statement")
        return Query(name=name, doc=" ".join(doc).strip(), sql=statement, origin=origin)

    for lineno, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            done = finish()
            if done is not None:
                yield done
            name, doc, body = header["name"], [], []
            continue
        stripped = line.strip()
        if name is None:
            if stripped and not stripped.startswith("--"):
                raise QueryFileError(
                    f"{origin}:{lineno}: statement before the first '-- name:' header"
                )
            continue
        if stripped.startswith("--") and not body:
            doc.append(stripped.lstrip("-").strip())
        else:
            body.append(line)
    done = finish()
    if done is not None:
        yield done


class Queries(Mapping[str, Query]):
    """An immutable name → Query map; attribute access reads a query's SQL text."""

    def __init__(self, queries: Iterable[Query]) -> None:
        found: dict[str, Query] = {}
        for query in queries:
            if query.name in found:
                first = found[query.name].origin
                raise QueryFileError(
                    f"duplicate query name {query.name!r} in {query.origin} (first in {first})"
                )
            found[query.name] = query
        self._queries = found

    @classmethod
    def from_directory(cls, directory: Path) -> Queries:
        files = sorted(directory.glob("*.sql"))
        return cls(q for path in files for q in parse_queries(path.read_text("utf-8"), path.name))

    def __getitem__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQueryError(name) from None

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name].sql

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)


QUERIES = Queries.from_directory(QUERIES_DIR)
