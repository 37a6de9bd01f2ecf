"""``sluice connector new``: flags, prompts, refusals, and the files it writes."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from sluice_cli.kit import new_command
from sluice_cli.kit.scaffold import ScaffoldError, parse_endpoints, spec_from_args, write
from sluice_cli.main import main
from sluice_descriptor import load_path

CODE_FILES = {
    "pyproject.toml",
    "Dockerfile",
    "README.md",
    "CONNECTOR_CONTEXT.md",
    "AGENTS.md",
    ".claude/skills/sluice-connector/SKILL.md",
    "src/sluice_connector_acme_tickets/__init__.py",
    "src/sluice_connector_acme_tickets/__main__.py",
    "src/sluice_connector_acme_tickets/client.py",
    "src/sluice_connector_acme_tickets/config.py",
    "src/sluice_connector_acme_tickets/mapping.py",
    "src/sluice_connector_acme_tickets/connector.py",
    "tests/test_mapping.py",
    "tests/test_conformance.py",
}


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _args(flags: list[str]) -> argparse.Namespace:
    """What ``sluice connector new FLAGS`` hands to the scaffold."""
    return argparse.Namespace(**new_command.make_context("new", flags).params)


def _new(tmp_path: Path, *flags: str) -> int:
    return main(["connector", "new", "--output", str(tmp_path), *flags])


@pytest.fixture(autouse=True)
def _not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def test_code_connector_files_are_written(tmp_path: Path) -> None:
    code = _new(
        tmp_path,
        *("--name", "acme-tickets", "--kind", "code", "--auth-types", "api_key,basic"),
        *("--api-endpoints", "GET /tickets, GET /tickets/:id", "--docs-url", "https://d.example"),
    )
    assert code == 0
    root = tmp_path / "acme-tickets"
    assert _files(root) == CODE_FILES
    package = root / "src" / "sluice_connector_acme_tickets"
    assert 'source_types = ["acme_tickets"]' in (package / "connector.py").read_text()
    assert "timeout=self._timeout" in (package / "client.py").read_text()
    assert '"sluice-sdk>=0.1.0"' in (root / "pyproject.toml").read_text()
    assert "USER connector" in (root / "Dockerfile").read_text()
    context = (root / "CONNECTOR_CONTEXT.md").read_text()
    assert "`GET /tickets/{id}`" in context
    assert "docs/standards/rate-limits-and-retries.md" in context
    assert "connectors/rss/" in context
    assert "CONNECTOR_CONTEXT.md" in (root / "AGENTS.md").read_text()


def test_declarative_descriptor_validates_with_operations_streams_and_auth(
    tmp_path: Path,
) -> None:
    code = _new(
        tmp_path,
        *("--name", "acme-tickets", "--kind", "declarative"),
        *("--auth-types", "oauth2_client_credentials,api_key,basic"),
        *("--api-endpoints", "GET /tickets,GET /tickets/{id},GET /users,POST /tickets"),
    )
    assert code == 0
    root = tmp_path / "acme-tickets"
    assert (root / "tests" / "test_descriptor.py").is_file()
    validation = load_path(root / "acme-tickets.yaml")
    assert validation.ok, validation.render()
    descriptor = validation.descriptor
    assert descriptor is not None
    assert [a.type for a in descriptor.authentication] == [
        "api_key",
        "basic",
        "oauth2_client_credentials",
    ]
    assert [o.operation_id for o in descriptor.operations] == [
        "list_tickets",
        "get_tickets",
        "list_users",
        "post_tickets",
    ]
    assert descriptor.sync is not None
    streams = descriptor.sync.streams
    assert [(s.name, s.operation_id) for s in streams] == [
        ("tickets", "list_tickets"),
        ("users", "list_users"),
    ]
    assert all(s.pagination.style == "page_number" for s in streams)


def test_flags_are_parsed_into_the_spec() -> None:
    args = _args(
        [
            *("--name", "Acme", "--kind", "code"),
            *("--auth-types", "basic, api_key,basic", "--api-endpoints", "get /a/:x, GET /a"),
            *("--docs-notes", "rate limit 10/s", "--force"),
        ]
    )
    spec = spec_from_args(args, interactive=False)
    assert spec.name == "acme"
    assert spec.auth_types == ["basic", "api_key"]
    assert [(e.method, e.path) for e in spec.endpoints] == [("GET", "/a/{x}"), ("GET", "/a")]
    assert spec.primary.path == "/a"
    assert spec.docs_notes == "rate limit 10/s"
    assert args.force is True


def test_an_existing_project_is_refused_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--name", "acme", "--kind", "declarative")
    assert _new(tmp_path, *flags) == 0
    descriptor = tmp_path / "acme" / "acme.yaml"
    descriptor.write_text("edited")
    capsys.readouterr()
    assert _new(tmp_path, *flags) == 2
    assert "use --force" in capsys.readouterr().err
    assert descriptor.read_text() == "edited"
    assert _new(tmp_path, *flags, "--force") == 0
    assert load_path(descriptor).ok


def test_a_missing_flag_without_a_terminal_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path, "--name", "acme") == 2
    assert "missing --kind" in capsys.readouterr().err
    assert not (tmp_path / "acme").exists()


def test_a_terminal_is_asked_for_the_missing_flags(tmp_path: Path) -> None:
    args = _args(["--output", str(tmp_path)])
    answers = iter(["acme", "declarative", "api_key", "GET /notes", ""])
    spec = spec_from_args(args, interactive=True, ask=lambda _prompt: next(answers))
    assert (spec.name, spec.kind, spec.auth_types) == ("acme", "declarative", ["api_key"])
    assert spec.primary.path == "/notes"
    assert spec.docs_url is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--name", "9lives", "--kind", "code"), "--name"),
        (("--name", "a", "--kind", "code", "--auth-types", "kerberos"), "unknown kerberos"),
        (("--name", "a", "--kind", "code", "--api-endpoints", "GET /a/{id}"), "list endpoint"),
        (("--name", "a", "--kind", "code", "--api-endpoints", "/a"), "is not 'METHOD /path'"),
        (("--name", "a", "--kind", "code", "--auth-types", "oauth2_client_credentials"), "OAuth"),
    ],
)
def test_bad_flags_are_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], message: str
) -> None:
    assert _new(tmp_path, *flags) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_write_refuses_before_touching_anything(tmp_path: Path) -> None:
    from sluice_cli.kit.scaffold import Spec

    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "keep.txt").write_text("mine")
    spec = Spec("acme", "code", ["none"], None, parse_endpoints("GET /items"))
    with pytest.raises(ScaffoldError):
        write(spec, tmp_path)
    assert _files(tmp_path / "acme") == {"keep.txt"}
