"""``sluice descriptor``: validate descriptor files locally, and push, list and show them in the
catalog of a running manager (docs/descriptor.md).

The manager and its admin token are found as for every remote command (``sluice_cli.connection``).
Exit status: 0 done, 1 problems found or the manager refused, 2 the manager was unreachable.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from sluice_cli.client import UNREACHABLE, Manager, Unreachable
from sluice_cli.remote import connect, json_option, token_option, url_option

if TYPE_CHECKING:  # the validator loads its models on first use, not on every sluice start
    from sluice_descriptor import Problem

OK, REFUSED = 0, 1


def _problem(raw: Mapping[str, Any]) -> Problem:
    from sluice_descriptor import Problem

    return Problem(
        path=str(raw.get("path") or ""),
        message=str(raw.get("message") or ""),
        line=raw.get("line"),
        column=raw.get("column"),
    )


# -- validate -------------------------------------------------------------------------------------


def validate(files: Sequence[str], out: TextIO | None = None) -> int:
    """Check files with the local validator; one ``file:line:col: path: message`` per problem."""
    from sluice_descriptor import load_path

    out = out or sys.stdout
    status = OK
    for name in files:
        result = load_path(name)
        if result.ok and result.descriptor is not None:
            meta = result.descriptor.metadata
            out.write(f"{name}: ok ({meta.slug} {meta.version})\n")
            continue
        status = REFUSED
        for line in result.render():
            out.write(line + "\n")
    return status


# -- manager commands ------------------------------------------------------------------------------


def _refused(what: str, status: int, answer: Any, err: TextIO, filename: str = "") -> int:
    message = answer.get("error", "") if isinstance(answer, Mapping) else str(answer)
    err.write(f"{what} failed: HTTP {status}: {message}\n")
    problems = answer.get("problems") if isinstance(answer, Mapping) else None
    for raw in problems or []:
        if isinstance(raw, Mapping):
            err.write(_problem(raw).render(filename or "<descriptor>") + "\n")
        else:
            err.write(f"  {raw}\n")
    return REFUSED


def push(
    manager: Manager,
    file: str,
    *,
    status: str | None,
    visibility: str | None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        err.write(f"cannot read {file}: {exc}\n")
        return REFUSED
    kind = "application/json" if file.endswith(".json") else "application/yaml"
    code, answer = manager.call(
        "POST",
        "/api/descriptors",
        query={"status": status, "visibility": visibility},
        body=data,
        content_type=kind,
    )
    if code not in (200, 201):
        return _refused("push", code, answer, err, file)
    out.write(
        f"{answer['slug']} {answer['version']}: {answer['outcome']} "
        f"({answer['status']}, {answer['visibility']})\n"
    )
    return OK


def list_descriptors(
    manager: Manager,
    filters: Mapping[str, str | None],
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    code, answer = manager.call("GET", "/api/descriptors", query=filters)
    if code != 200:
        return _refused("list", code, answer, err)
    if as_json:
        out.write(json.dumps(answer, indent=2) + "\n")
        return OK
    if not answer:
        out.write("no descriptors\n")
    for entry in answer:
        out.write(
            f"{entry['slug']}  {entry['version']}  {entry['status']}  {entry['visibility']}  "
            f"{entry['name']}\n"
        )
    return OK


def show(
    manager: Manager,
    slug: str,
    version: str | None,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Without a version, every version of ``slug``; with one (or ``latest``), that version: its
    summary, then the text that was pushed."""
    out, err = out or sys.stdout, err or sys.stderr
    path = f"/api/descriptors/{urllib.parse.quote(slug, safe='')}"
    if version is not None:
        path += f"/{urllib.parse.quote(version, safe='')}"
    code, answer = manager.call("GET", path)
    if code != 200:
        return _refused("show", code, answer, err)
    if as_json:
        out.write(json.dumps(answer, indent=2) + "\n")
    elif version is None:
        out.write(f"{answer['slug']} (latest {answer['latest']})\n")
        for entry in answer["versions"]:
            out.write(f"  {entry['version']}  {entry['status']}  {entry['visibility']}\n")
    else:
        out.write(f"{answer['name']} — {answer['slug']} {answer['version']}\n")
        out.write(f"status: {answer['status']}, visibility: {answer['visibility']}\n")
        out.write(f"publisher: {answer['publisher']}\n")
        if answer["summary"]:
            out.write(f"summary: {answer['summary']}\n")
        out.write("\n" + answer["source_text"].rstrip("\n") + "\n")
    return OK


def reachable(command: Callable[[], int]) -> int:
    """Run one manager command; an unreachable manager is reported the same way for each."""
    try:
        return command()
    except Unreachable as exc:
        print(str(exc), file=sys.stderr)
        return UNREACHABLE


# -- the commands ----------------------------------------------------------------------------------

STATUSES = ("draft", "published", "archived")
VISIBILITIES = ("private", "workspace", "organization", "marketplace")


@click.group("descriptor")
def descriptor() -> None:
    """Validate declarative connector descriptors, and manage the catalog.

    Validate descriptor files locally; push, list and show them in the catalog of a running
    manager."""


@descriptor.command("validate")
@click.argument("files", metavar="FILE...", nargs=-1, required=True)
def validate_command(files: tuple[str, ...]) -> int:
    """Check YAML or JSON descriptor files; print file:line:col: path: message for each
    problem and exit 1 when there is any."""
    return validate(files)


def _remote(url: str | None, token: str | None, command: Callable[[Manager], int]) -> int:
    found = connect(url, token)
    if found is None:
        return UNREACHABLE
    manager, _ = found
    return reachable(lambda: command(manager))


@descriptor.command("push")
@click.argument("file", metavar="FILE")
@click.option("--publish", is_flag=True, help="publish it (same as --status published)")
@click.option("--status", type=click.Choice(STATUSES), help="status (new versions: draft)")
@click.option("--visibility", type=click.Choice(VISIBILITIES), help="visibility (new: private)")
@url_option
@token_option
def push_command(
    *,
    file: str,
    publish: bool,
    status: str | None,
    visibility: str | None,
    url: str | None,
    token: str | None,
) -> int:
    """Push a descriptor file to the catalog."""
    chosen = "published" if publish else status
    return _remote(url, token, lambda m: push(m, file, status=chosen, visibility=visibility))


@descriptor.command("list")
@click.option("--category", help="only this category (saas, database, ...)")
@click.option("--tag", help="only descriptors with this tag")
@click.option("--status", type=click.Choice(STATUSES), help="only this status")
@click.option("--visibility", type=click.Choice(VISIBILITIES), help="only this visibility")
@click.option("--q", help="text search over name, slug, summary, description, tags")
@json_option
@url_option
@token_option
def list_command(as_json: bool, url: str | None, token: str | None, **filters: str | None) -> int:
    """List catalog descriptors."""
    return _remote(url, token, lambda m: list_descriptors(m, filters, as_json=as_json))


@descriptor.command("show")
@click.argument("slug", metavar="SLUG")
@click.argument("version", metavar="[VERSION]", required=False)
@json_option
@url_option
@token_option
def show_command(
    slug: str, version: str | None, as_json: bool, url: str | None, token: str | None
) -> int:
    """Show a descriptor's versions, or one version (a version, or latest)."""
    return _remote(url, token, lambda m: show(m, slug, version, as_json=as_json))
