"""What ``sluice --version`` and ``sluice up --help`` tell a newcomer (issue 19, item 12)."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

from sluice_cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sluice {version('sluice-command')}"


def test_up_help_names_every_process_port_and_the_data_directory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["up", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "indexer",
        "filesystem connector on port+11 (8101)",
        "declarative runtime on port+12 (8102)",
        "SLUICE_DATA_DIR",
        "SLUICE_DATABASE_URL",
        "Ctrl-C",
        "http://HOST:PORT/ui/",
    ):
        assert words in text, (words, text)


def _curl_commands(markdown: str) -> list[str]:
    """Every curl command of the shell blocks, continuation lines joined."""
    blocks = re.findall(r"```sh\n(.*?)```", markdown, flags=re.S)
    joined = "\n".join(block.replace("\\\n", " ") for block in blocks)
    return [line for line in joined.splitlines() if line.lstrip().startswith("curl ")]


def test_readme_curls_that_send_json_say_so() -> None:
    """The manager answers 415 to a JSON body sent without its Content-Type (curl's -d default is
    application/x-www-form-urlencoded)."""
    sending = [c for c in _curl_commands((ROOT / "README.md").read_text()) if " -d " in c]
    assert sending
    for command in sending:
        assert "Content-Type: application/json" in command, command


def test_the_kit_commands_run_through_sluice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connector", "review", str(ROOT / "connectors" / "rss")]) == 0
    assert capsys.readouterr().out.strip()
