from pathlib import Path

import pytest

from sluice_sql.errors import QueryFileError, UnknownQueryError
from sluice_sql.query_loader import QUERIES, Queries, parse_queries


def test_parses_name_doc_and_statement() -> None:
    text = """-- a file comment
-- name: select_thing
-- Reads one thing. $1: id.
SELECT * FROM thing
WHERE id = $1;

-- name: delete_thing
-- Deletes it.
DELETE FROM thing WHERE id = $1;
"""
    queries = list(parse_queries(text, "x.sql"))
    assert [q.name for q in queries] == ["select_thing", "delete_thing"]
    assert queries[0].doc == "Reads one thing. $1: id."
    assert queries[0].sql == "SELECT * FROM thing\nWHERE id = $1"
    assert queries[1].sql == "DELETE FROM thing WHERE id = $1"


def test_duplicate_name_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: select_x\nSELECT 1;\n")
    (tmp_path / "b.sql").write_text("-- name: select_x\nSELECT 2;\n")
    with pytest.raises(QueryFileError, match=r"duplicate query name 'select_x' in b\.sql"):
        Queries.from_directory(tmp_path)


def test_statement_before_header_is_an_error() -> None:
    with pytest.raises(QueryFileError, match="before the first"):
        list(parse_queries("SELECT 1;\n-- name: select_x\nSELECT 2;", "x.sql"))


def test_empty_statement_is_an_error() -> None:
    with pytest.raises(QueryFileError, match="has no statement"):
        list(parse_queries("-- name: select_x\n-- only a comment\n", "x.sql"))


def test_unknown_query_raises_typed_error() -> None:
    with pytest.raises(UnknownQueryError) as info:
        _ = QUERIES.select_does_not_exist
    assert info.value.name == "select_does_not_exist"


def test_project_queries_load_and_attribute_access_reads_sql() -> None:
    assert "select_health" in QUERIES
    assert QUERIES.select_health == "SELECT 1"
