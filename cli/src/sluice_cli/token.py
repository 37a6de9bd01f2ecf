"""``sluice token``: mint, list and revoke scoped connector tokens through a running manager's admin
API (``/api/connector-tokens``, protocol §2).

A scoped token lets one connector register as its own id and reach only the sources of its types;
give it to that connector as ``SLUICE_CONNECTOR_TOKEN``. The token is printed once, when minted.
Exit status as for ``sluice descriptor``: 0 done, 1 the manager refused, 2 it was unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the parser is built on every ``sluice`` start: no HTTP imports until used
    from sluice_cli.descriptor import Manager

OK, REFUSED = 0, 1
DEFAULT_URL = "http://127.0.0.1:8090"


def _refused(what: str, status: int, answer: Any, err: TextIO) -> int:
    message = answer.get("error", "") if isinstance(answer, Mapping) else str(answer)
    err.write(f"{what} failed: HTTP {status}: {message}\n")
    return REFUSED


def create(
    manager: Manager,
    connector_id: str,
    source_types: Sequence[str] | None,
    name: str,
    *,
    quiet: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    body: dict[str, Any] = {"connector_id": connector_id, "name": name}
    if source_types:
        body["source_types"] = list(source_types)
    code, answer = manager.call("POST", "/api/connector-tokens", body=json.dumps(body).encode())
    if code != 201:
        return _refused("token create", code, answer, err)
    if quiet:
        out.write(answer["token"] + "\n")
        return OK
    types = ", ".join(answer["source_types"])
    out.write(
        f"token      {answer['token']}\n"
        f"id         {answer['id']}\n"
        f"connector  {answer['connector_id']} (source types: {types})\n"
        "Store the token now: it is not shown again. Give it to the connector as "
        "SLUICE_CONNECTOR_TOKEN.\n"
    )
    return OK


def _when(value: str | None) -> str:
    return value if value else "-"


def list_tokens(
    manager: Manager,
    connector_id: str | None,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    code, answer = manager.call(
        "GET", "/api/connector-tokens", query={"connector_id": connector_id}
    )
    if code != 200:
        return _refused("token list", code, answer, err)
    if as_json:
        out.write(json.dumps(answer, indent=2) + "\n")
        return OK
    if not answer:
        out.write("no connector tokens\n")
    for entry in answer:
        state = f"revoked {entry['revoked_at']}" if entry["revoked_at"] else "active"
        name = f"  {entry['name']}" if entry["name"] else ""
        out.write(
            f"{entry['id']}  {entry['connector_id']}  [{', '.join(entry['source_types'])}]  "
            f"created {entry['created_at']}  last used {_when(entry['last_used_at'])}  "
            f"{state}{name}\n"
        )
    return OK


def revoke(
    manager: Manager, token_id: str, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    path = f"/api/connector-tokens/{urllib.parse.quote(token_id, safe='')}"
    code, answer = manager.call("DELETE", path)
    if code != 200:
        return _refused("token revoke", code, answer, err)
    out.write(f"token {answer['id']} of connector {answer['connector_id']} is revoked\n")
    return OK


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """``sluice token ...``; ``run`` is the command's entry point in ``sluice_cli.main``."""
    parser = sub.add_parser(
        "token",
        help="mint, list and revoke scoped connector tokens",
        description="Scoped connector tokens: a token for one connector id that reaches only the "
        "sources of its source types (the shared connector token trusts every connector). Talks "
        "to a running manager (SLUICE_MANAGER_URL or --url) with the admin token, as search does.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    url = os.environ.get("SLUICE_MANAGER_URL", DEFAULT_URL)

    create_cmd = actions.add_parser(
        "create",
        help="mint a token for one connector (printed once)",
        description="Mint a token for --connector. Its source types are those given with "
        "--source-type, else those the connector registered.",
    )
    create_cmd.add_argument("--connector", required=True, metavar="ID", help="connector id")
    create_cmd.add_argument(
        "--source-type",
        action="append",
        dest="source_types",
        metavar="TYPE",
        help="a source type the token may serve (repeat; default: the registered ones)",
    )
    create_cmd.add_argument("--name", default="", help="a note to tell tokens apart")
    create_cmd.add_argument(
        "-q", "--quiet", action="store_true", help="print only the token (for scripts)"
    )

    listing = actions.add_parser("list", help="list connector tokens (never the tokens)")
    listing.add_argument("--connector", metavar="ID", help="only this connector's tokens")
    listing.add_argument("--json", action="store_true", help="print the raw JSON answer")

    revoke_cmd = actions.add_parser("revoke", help="revoke a token by its id")
    revoke_cmd.add_argument("id", metavar="ID", help="the token's id (from create or list)")

    for remote in (create_cmd, listing, revoke_cmd):
        remote.add_argument("--url", default=url, help=f"manager base URL (default {url})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, token: str | None) -> int:
    from sluice_cli.descriptor import Manager, reachable

    manager = Manager(args.url, token)
    if args.action == "create":
        return reachable(
            lambda: create(manager, args.connector, args.source_types, args.name, quiet=args.quiet)
        )
    if args.action == "list":
        return reachable(lambda: list_tokens(manager, args.connector, as_json=args.json))
    return reachable(lambda: revoke(manager, args.id))
