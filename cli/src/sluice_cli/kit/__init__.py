"""``sluice connector``: the connector development kit (``new`` scaffolds a project, ``review``
checks one against docs/standards/)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import click

from sluice_cli.kit.scaffold import AUTH_TYPES, DEFAULT_ENDPOINTS, KINDS


@click.group("connector")
def connector() -> None:
    """Scaffold a new connector, or review one against the standards.

    'new' writes a code or declarative connector project with tests that pass as generated;
    'review' checks a connector against docs/standards/."""


@connector.command("new")
@click.option("--name", help="connector name: lower-case letters, digits, - or _")
@click.option("--kind", type=click.Choice(KINDS), help="a code connector or a declarative one")
@click.option("--auth-types", help=f"comma-separated, from {', '.join(AUTH_TYPES)} (default none)")
@click.option("--docs-url", help="the source API's documentation")
@click.option(
    "--api-endpoints",
    help=f'comma-separated "METHOD /path", e.g. "GET /items,GET /items/{{id}}" '
    f"(default {DEFAULT_ENDPOINTS!r})",
)
@click.option("--docs-notes", help="notes on the API for CONNECTOR_CONTEXT.md")
@click.option(
    "--output", type=click.Path(path_type=Path), default=Path("."), help="parent directory"
)
@click.option("--force", is_flag=True, help="overwrite an existing project")
def new_command(**params: Any) -> int:
    """Write DIR/NAME/: the package or descriptor, tests, CONNECTOR_CONTEXT.md, AGENTS.md and an
    agent skill. Missing flags are asked for when stdin is a terminal."""
    from sluice_cli.kit import scaffold

    return scaffold.main(argparse.Namespace(**params))


@connector.command("review")
@click.argument("path", metavar="PATH")
@click.option(
    "--format",
    type=click.Choice(("text", "json", "sarif")),
    default="text",
    help="output format",
)
@click.option("--output", metavar="FILE", help="write the report here (default stdout)")
def review_command(**params: Any) -> int:
    """Check a connector against the standards (exit 1 on blockers).

    Static checks of a code connector or descriptor; each finding has a severity, a
    confidence, a file and line, and the standard it breaks. PATH: a connector project, package
    or descriptor."""
    from sluice_cli.kit import review as checks

    result: int = checks.main(argparse.Namespace(**params))
    return result
