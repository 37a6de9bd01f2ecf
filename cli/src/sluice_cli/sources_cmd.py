"""``sluice connectors`` and ``sluice sources``: the registry, and sources from creation to
deletion through the admin API (``/api/connectors``, ``/api/sources``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import click

from sluice_cli.output import field, print_fields, print_json, print_table
from sluice_cli.remote import OK, Api, json_option, remote, token_option, url_option

SOURCE_FIELDS = (
    "id",
    "name",
    "source_type",
    "descriptor",
    "is_active",
    "sync_interval_seconds",
    "sync_cron",
    "config",
    "has_credentials",
    "owner_email",
    "created_at",
    "updated_at",
)


def _id(value: str) -> str:
    return quote(value, safe="")


def json_object(value: str, option: str) -> dict[str, Any]:
    """A JSON object given inline, or as ``@file`` (``@-``: standard input)."""
    text = value
    if value.startswith("@"):
        name = value[1:]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {name}: {exc.strerror}", param_hint=option
            ) from exc
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=option) from exc
    if not isinstance(loaded, dict):
        raise click.BadParameter("a JSON object is needed", param_hint=option)
    return loaded


# -- connectors ------------------------------------------------------------------------------------


@click.group("connectors", invoke_without_command=True)
@url_option
@token_option
@json_option
@click.pass_context
def connectors(ctx: click.Context, url: str | None, token: str | None, as_json: bool) -> int:
    """List the registered connectors (online or offline, source types, last heartbeat)."""
    if ctx.invoked_subcommand is None:
        result: int = ctx.invoke(list_connectors, url=url, token=token, as_json=as_json)
        return result
    return OK


@connectors.command("list")
@json_option
@remote
def list_connectors(api: Api, as_json: bool) -> int:
    """List the registered connectors (the same as plain ``sluice connectors``)."""
    answer = api.get("/api/connectors")
    if as_json:
        print_json(answer)
        return OK
    print_table(
        answer,
        [
            ("connector", field("connector_id")),
            ("state", lambda c: "online" if c["online"] else "offline"),
            ("source types", field("source_types")),
            ("sync modes", field("sync_modes")),
            ("last heartbeat", field("last_heartbeat_at")),
            ("url", field("connector_url")),
        ],
        empty="no connectors registered",
    )
    return OK


@connectors.command("delete")
@click.argument("connector_id", metavar="ID")
@remote
def delete_connector(api: Api, connector_id: str) -> int:
    """Forget an offline connector (an online one is refused)."""
    api.delete(f"/api/connectors/{_id(connector_id)}")
    click.echo(f"connector {connector_id} deleted")
    return OK


# -- sources ---------------------------------------------------------------------------------------


@click.group("sources")
def sources() -> None:
    """List, create, change, sync and delete sources."""


@sources.command("list")
@click.option("--type", "source_type", metavar="TYPE", help="only sources of this type")
@click.option("--limit", type=click.IntRange(1, 1000), help="at most this many")
@json_option
@remote
def list_sources(api: Api, source_type: str | None, limit: int | None, as_json: bool) -> int:
    """List the sources."""
    answer = api.get("/api/sources", source_type=source_type, limit=limit)
    if as_json:
        print_json(answer)
        return OK
    print_table(
        answer,
        [
            ("id", field("id")),
            ("name", field("name")),
            ("type", field("source_type")),
            ("enabled", field("is_active")),
            ("schedule", _schedule),
            ("updated", field("updated_at")),
        ],
        empty="no sources",
    )
    return OK


def _schedule(source: dict[str, Any]) -> str:
    if source.get("sync_cron"):
        return f"cron {source['sync_cron']}"
    if source.get("sync_interval_seconds"):
        return f"every {source['sync_interval_seconds']} s"
    return "manual"


@sources.command("get")
@click.argument("source_id", metavar="ID")
@json_option
@remote
def get_source(api: Api, source_id: str, as_json: bool) -> int:
    """Show one source (never its secrets: the manager does not send them)."""
    answer = api.get(f"/api/sources/{_id(source_id)}")
    if as_json:
        print_json(answer)
    else:
        print_fields(answer, SOURCE_FIELDS)
    return OK


F = TypeVar("F", bound=Callable[..., Any])


def _source_options(create: bool) -> list[Callable[[Any], Any]]:
    """The flags ``create`` and ``update`` share; ``create`` requires a name."""
    return [
        click.option("--name", required=create, help="the source's name"),
        click.option("--config", metavar="JSON|@FILE", help="the connector config, a JSON object"),
        click.option(
            "--credentials",
            metavar="JSON|@FILE",
            help='the credential, a JSON object: {"auth_type": ..., "credentials": {...}}',
        ),
        click.option(
            "--interval", type=int, metavar="SECONDS", help="sync every this many seconds"
        ),
        click.option("--cron", metavar="EXPR", help="sync on this cron schedule (UTC)"),
        click.option("--manual", is_flag=True, help="no schedule: sync only when asked"),
        click.option(
            "--enable/--disable", "is_active", default=None, help="whether it syncs at all"
        ),
        click.option("--owner", "owner_email", metavar="EMAIL", help="the owner's email"),
    ]


def _apply(options: list[Callable[[Any], Any]]) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def _body(
    *,
    name: str | None,
    config: str | None,
    credentials: str | None,
    interval: int | None,
    cron: str | None,
    manual: bool,
    is_active: bool | None,
    owner_email: str | None,
) -> dict[str, Any]:
    if (interval is not None) + (cron is not None) + manual > 1:
        raise click.UsageError("give one of --interval, --cron and --manual")
    body: dict[str, Any] = {}
    if manual:
        body["sync_interval_seconds"] = body["sync_cron"] = None
    if name is not None:
        body["name"] = name
    if config is not None:
        body["config"] = json_object(config, "--config")
    if credentials is not None:
        body["credentials"] = json_object(credentials, "--credentials")
    if interval is not None:
        body["sync_interval_seconds"] = interval
    if cron is not None:
        body["sync_cron"] = cron
    if is_active is not None:
        body["is_active"] = is_active
    if owner_email is not None:
        body["owner_email"] = owner_email
    return body


def _saved(answer: dict[str, Any], verb: str, as_json: bool) -> int:
    if as_json:
        print_json(answer)
    else:
        click.echo(f"source {answer['id']} {verb} ({answer['name']}, {answer['source_type']})")
    return OK


@sources.command("create")
@click.option("--type", "source_type", metavar="TYPE", help="source type (a connector's)")
@click.option(
    "--descriptor",
    metavar="SLUG[@VERSION]",
    help="a declarative source: the catalog descriptor it runs (version default latest)",
)
@_apply(_source_options(create=True))
@click.option("--allow-unknown-type", is_flag=True, help="a type no connector has declared yet")
@json_option
@remote
def create_source(
    api: Api,
    *,
    source_type: str | None,
    descriptor: str | None,
    allow_unknown_type: bool,
    as_json: bool,
    **fields: Any,
) -> int:
    """Create a source: --type (or --descriptor), --name, its --config and --credentials."""
    if source_type is None and descriptor is None:
        raise click.UsageError("give --type, or --descriptor for a declarative source")
    body = _body(**fields)
    if source_type is not None:
        body["source_type"] = source_type
    if descriptor is not None:
        slug, _, version = descriptor.partition("@")
        body["descriptor"] = {"slug": slug, "version": version or "latest"}
    query = {"allow_unknown_type": "true" if allow_unknown_type else None}
    return _saved(api.post("/api/sources", body, **query), "created", as_json)


@sources.command("update")
@click.argument("source_id", metavar="ID")
@_apply(_source_options(create=False))
@json_option
@remote
def update_source(api: Api, source_id: str, as_json: bool, **fields: Any) -> int:
    """Change a source: only the flags given change (--config replaces the whole config)."""
    body = _body(**fields)
    if not body:
        raise click.UsageError("nothing to change: give at least one flag")
    return _saved(api.patch(f"/api/sources/{_id(source_id)}", body), "updated", as_json)


@sources.command("sync")
@click.argument("source_id", metavar="ID")
@click.option(
    "--full/--incremental", default=False, help="a full sync, or an incremental one (default)"
)
@click.option("--follow", is_flag=True, help="then follow the run until it ends")
@json_option
@remote
def sync_source(api: Api, source_id: str, full: bool, follow: bool, as_json: bool) -> int:
    """Start a sync of the source now."""
    from sluice_cli.runs import follow_run

    mode = "full" if full else "incremental"
    answer = api.post(f"/api/sources/{_id(source_id)}/sync", {"sync_mode": mode})
    if as_json and not follow:
        print_json(answer)
        return OK
    run_id = answer["sync_run_id"]
    if not as_json:
        click.echo(f"{mode} sync started: run {run_id}")
    return follow_run(api, run_id, as_json=as_json) if follow else OK


@sources.command("delete")
@click.argument("source_id", metavar="ID")
@json_option
@remote
def delete_source(api: Api, source_id: str, as_json: bool) -> int:
    """Delete a source (its documents leave the index)."""
    answer = api.delete(f"/api/sources/{_id(source_id)}")
    if as_json:
        print_json(answer)
    else:
        click.echo(f"source {source_id} deleted")
    return OK
