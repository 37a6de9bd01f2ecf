"""``sluice connector``: the connector development kit (``new`` scaffolds a project, ``review``
checks one against docs/standards/)."""

from __future__ import annotations

import argparse


def _cmd_new(args: argparse.Namespace) -> int:
    from sluice_cli.kit import scaffold

    return scaffold.main(args)


def _cmd_review(args: argparse.Namespace) -> int:
    from sluice_cli.kit import review

    result: int = review.main(args)
    return result


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from sluice_cli.kit.scaffold import add_arguments

    parser = sub.add_parser(
        "connector",
        help="scaffold a new connector, or review one against the standards",
        description="The connector development kit: 'new' writes a code or declarative connector "
        "project with tests that pass as generated; 'review' checks a connector against "
        "docs/standards/.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="write a connector project (asks for missing flags on a terminal)",
        description="Write DIR/NAME/: the package or descriptor, tests, CONNECTOR_CONTEXT.md, "
        "AGENTS.md and an agent skill. Missing flags are asked for when stdin is a terminal.",
    )
    add_arguments(new)
    new.set_defaults(func=_cmd_new)

    review = actions.add_parser(
        "review",
        help="check a connector against the standards (exit 1 on blockers)",
        description="Static checks of a code connector or descriptor; each finding has a "
        "severity, a confidence, a file and line, and the standard it breaks.",
    )
    review.add_argument("path", metavar="PATH", help="a connector project, package or descriptor")
    review.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format"
    )
    review.add_argument("--output", metavar="FILE", help="write the report here (default stdout)")
    review.set_defaults(func=_cmd_review)
