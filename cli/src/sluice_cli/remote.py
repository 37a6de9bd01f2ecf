"""What every command that talks to a running manager shares: ``--url`` and ``--token`` (also
accepted before the command: ``sluice --url U sources list``), the connection they resolve to
(``sluice_cli.connection``), and one way of reporting a refusal or an absent manager."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import click

from sluice_cli.client import OK, UNREACHABLE, ApiError, Manager, Unreachable, show_error
from sluice_cli.connection import Connection, NotFound, refusal_hint, resolve

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Api:
    manager: Manager
    connection: Connection

    def get(self, path: str, **query: str | int | None) -> Any:
        return self.manager.request("GET", path, query=query)

    def post(self, path: str, body: Any = None, **query: str | int | None) -> Any:
        return self.manager.request("POST", path, query=query, json_body=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.manager.request("PATCH", path, json_body=body)

    def delete(self, path: str) -> Any:
        return self.manager.request("DELETE", path)


def url_option(f: F) -> F:
    return click.option(
        "--url",
        metavar="URL",
        help="manager base URL (default: SLUICE_URL, SLUICE_MANAGER_URL, then the manager.json "
        "sluice up writes in SLUICE_DATA_DIR)",
    )(f)


def token_option(f: F) -> F:
    return click.option(
        "--token",
        metavar="TOKEN",
        help="admin token (default: SLUICE_ADMIN_TOKEN, then the data directory's manager.json "
        "or admin_token)",
    )(f)


def json_option(f: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="print the manager's JSON answer as it came"
    )(f)


def connect(url: str | None, token: str | None) -> tuple[Manager, Connection] | None:
    """The manager to call, with the flags given here or before the command; None (after saying
    where it looked) when there is none."""
    ctx = click.get_current_context()
    try:
        connection = resolve(url or _given(ctx, "url"), token or _given(ctx, "token"))
    except NotFound as exc:
        print(f"sluice: {exc}", file=sys.stderr)
        return None
    return Manager(connection.url, connection.token), connection


def _given(ctx: click.Context, name: str) -> str | None:
    """The flag as given to an enclosing command (``sluice --url U sources list``)."""
    parent = ctx.parent
    while parent is not None:
        value = parent.params.get(name)
        if value:
            return str(value)
        parent = parent.parent
    return None


def remote(f: Callable[..., int]) -> Callable[..., int]:
    """A command body ``f(api, **params) -> exit status`` given the ``--url``/``--token`` it
    resolves; a refusal or an unreachable manager is reported, never raised."""

    @url_option
    @token_option
    @functools.wraps(f)
    def command(url: str | None, token: str | None, **params: Any) -> int:
        found = connect(url, token)
        if found is None:
            return UNREACHABLE
        manager, connection = found
        what = click.get_current_context().command_path.removeprefix("sluice ").strip()
        try:
            result: int = f(Api(manager, connection), **params)
        except ApiError as exc:
            return show_error(what, exc, refusal_hint(connection))
        except Unreachable as exc:
            print(str(exc), file=sys.stderr)
            return UNREACHABLE
        return result

    return cast(Callable[..., int], command)


__all__ = ["OK", "Api", "connect", "json_option", "remote", "token_option", "url_option"]
