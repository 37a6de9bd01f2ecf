"""``sluice search "words"`` and ``sluice documents get ID``: the index as the manager serves it
(``GET /api/search``, ``GET /api/documents/{id}``)."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

import click

from sluice_cli.output import print_fields, print_json
from sluice_cli.remote import OK, Api, json_option, remote


def _plain(snippet: str) -> str:
    """The snippet (escaped text, ``<b>`` around matches) for a terminal: matches in ``*``."""
    marked = snippet.replace("<b>", "*").replace("</b>", "*")
    return " ".join(html.unescape(marked).split())


def render(body: dict[str, Any], offset: int) -> None:
    results = body.get("results", [])
    for rank, hit in enumerate(results, start=offset + 1):
        title = hit.get("title") or hit.get("external_id")
        click.echo(f"{rank}. {title}  (score {hit.get('score', 0):.3f})")
        snippet = _plain(hit.get("snippet") or "")
        if snippet:
            click.echo(f"   {snippet}")
        click.echo(
            f"   {hit.get('url') or hit.get('external_id')}  [{hit.get('source_id')}]  "
            f"document {hit.get('document_id')}"
        )
    # The API counts only so far on a query with very many matches, and says so (§10.6).
    total = f"{body.get('total', 0)}{'+' if body.get('total_is_lower_bound') else ''}"
    if results:
        click.echo(f"{total} result(s), showing {offset + 1}-{offset + len(results)}")
    else:
        click.echo(f"no results ({total} in total)")


@click.command("search")
@click.argument("query")
@click.option("--source-id", metavar="ID", help="only this source")
@click.option("--user", metavar="EMAIL", help="only documents this user email may see")
@click.option("--limit", type=click.IntRange(1, 100), default=10, help="hits to show (max 100)")
@click.option("--offset", type=click.IntRange(0), default=0, help="hits to skip")
@json_option
@remote
def search(
    api: Api,
    *,
    query: str,
    source_id: str | None,
    user: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> int:
    """Search the indexed documents (web-search syntax: "quoted phrase", or, -word)."""
    body = api.get(
        "/api/search", q=query, source_id=source_id, user=user, limit=limit, offset=offset
    )
    if as_json:
        print_json(body)
    else:
        render(body, offset)
    return OK


@click.group("documents")
def documents() -> None:
    """Read indexed documents."""


@documents.command("get")
@click.argument("document_id", metavar="ID")
@json_option
@remote
def get_document(api: Api, document_id: str, as_json: bool) -> int:
    """Show one document: its fields, then its text."""
    document = api.get(f"/api/documents/{quote(document_id, safe='')}")
    if as_json:
        print_json(document)
        return OK
    print_fields(
        document,
        ("document_id", "title", "source_id", "external_id", "url", "updated_at", "metadata"),
    )
    click.echo("")
    click.echo(document.get("content") or "")
    return OK
