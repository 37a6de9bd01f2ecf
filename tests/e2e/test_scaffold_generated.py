"""Projects from ``sluice connector new`` pass their own tests as generated: each is written into a
temporary directory and its pytest runs there, with this environment's Python."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sluice_cli.main import main


@pytest.mark.parametrize(
    ("kind", "auth"),
    [("code", "api_key,basic"), ("code", "none"), ("declarative", "basic,api_key")],
)
def test_a_generated_project_passes_its_own_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, auth: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(
        [
            *("connector", "new", "--name", "acme-notes", "--kind", kind),
            *("--auth-types", auth, "--api-endpoints", "GET /notes,GET /notes/{id}"),
            *("--output", str(tmp_path)),
        ]
    )
    assert code == 0
    project = tmp_path / "acme-notes"
    env = {**os.environ, "PYTHONPATH": "src"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
    assert "failed" not in done.stdout
