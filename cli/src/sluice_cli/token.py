"""``sluice token``: mint, list and revoke the manager's stored tokens through its admin API.

Connector tokens (``/api/connector-tokens``, protocol §2, the default): a token for one connector
id that registers only as that id and reaches only the sources of its types; give it to that
connector as ``SLUICE_CONNECTOR_TOKEN``. MCP tokens (``--mcp``, ``/api/mcp-tokens``,
docs/mcp.md): a token that opens ``/mcp`` and nothing else. A token is printed once, when minted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click

from sluice_cli.output import print_json
from sluice_cli.remote import OK, Api, json_option, remote

CONNECTOR_PATH = "/api/connector-tokens"
MCP_PATH = "/api/mcp-tokens"


def _mcp_option(f: Any) -> Any:
    return click.option("--mcp", is_flag=True, help="an MCP token instead of a connector token")(f)


def _when(value: str | None) -> str:
    return value if value else "-"


@click.group("token")
def token() -> None:
    """Mint, list and revoke scoped connector tokens (or MCP tokens, with --mcp).

    A connector token serves one connector id and reaches only the sources of its source types
    (the shared connector token trusts every connector)."""


@token.command("create")
@click.option("--connector", "connector_id", metavar="ID", help="the connector id it serves")
@click.option(
    "--source-type",
    "source_types",
    metavar="TYPE",
    multiple=True,
    help="a source type the token may serve (repeat; default: the registered ones)",
)
@click.option("--name", default="", help="a note to tell tokens apart")
@click.option("-q", "--quiet", is_flag=True, help="print only the token (for scripts)")
@_mcp_option
@json_option
@remote
def create(
    api: Api,
    *,
    connector_id: str | None,
    source_types: tuple[str, ...],
    name: str,
    quiet: bool,
    mcp: bool,
    as_json: bool,
) -> int:
    """Mint a token for --connector (or, with --mcp, an MCP token); it is printed once."""
    if mcp:
        if connector_id or source_types:
            raise click.UsageError("--mcp takes no --connector or --source-type")
        answer = api.post(MCP_PATH, {"name": name})
    else:
        if not connector_id:
            raise click.UsageError("give --connector ID (or --mcp for an MCP token)")
        body: dict[str, Any] = {"connector_id": connector_id, "name": name}
        if source_types:
            body["source_types"] = list(source_types)
        answer = api.post(CONNECTOR_PATH, body)
    if as_json:
        print_json(answer)
    elif quiet:
        click.echo(answer["token"])
    elif mcp:
        click.echo(
            f"token      {answer['token']}\n"
            f"id         {answer['id']}\n"
            "Store the token now: it is not shown again. An MCP client sends it as "
            "Authorization: Bearer <token> to /mcp."
        )
    else:
        types = ", ".join(answer["source_types"])
        click.echo(
            f"token      {answer['token']}\n"
            f"id         {answer['id']}\n"
            f"connector  {answer['connector_id']} (source types: {types})\n"
            "Store the token now: it is not shown again. Give it to the connector as "
            "SLUICE_CONNECTOR_TOKEN."
        )
    return OK


@token.command("list")
@click.option("--connector", "connector_id", metavar="ID", help="only this connector's tokens")
@_mcp_option
@json_option
@remote
def list_tokens(api: Api, connector_id: str | None, mcp: bool, as_json: bool) -> int:
    """List tokens (never the tokens themselves), one per line."""
    answer = api.get(MCP_PATH) if mcp else api.get(CONNECTOR_PATH, connector_id=connector_id)
    if as_json:
        print_json(answer)
        return OK
    if not answer:
        click.echo("no MCP tokens" if mcp else "no connector tokens")
    for entry in answer:
        state = f"revoked {entry['revoked_at']}" if entry["revoked_at"] else "active"
        name = f"  {entry['name']}" if entry["name"] else ""
        scope = "mcp" if mcp else f"{entry['connector_id']}  [{', '.join(entry['source_types'])}]"
        click.echo(
            f"{entry['id']}  {scope}  created {entry['created_at']}  "
            f"last used {_when(entry['last_used_at'])}  {state}{name}"
        )
    return OK


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@_mcp_option
@json_option
@remote
def revoke(api: Api, token_id: str, mcp: bool, as_json: bool) -> int:
    """Revoke a token by its id (from create or list); revoking twice is harmless."""
    answer = api.delete(f"{MCP_PATH if mcp else CONNECTOR_PATH}/{quote(token_id, safe='')}")
    if as_json:
        print_json(answer)
    elif mcp:
        click.echo(f"MCP token {answer['id']} is revoked")
    else:
        click.echo(f"token {answer['id']} of connector {answer['connector_id']} is revoked")
    return OK
