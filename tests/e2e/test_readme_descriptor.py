"""The README's "A connector without code" section, run as a newcomer runs it.

`sluice up` (as `make run` starts it), json-server over the sample notes (npm, installed by the test
set-up), then the README's shell block command by command: validate, push and publish the example
descriptor, create the pinned source with curl, and search until the notes are found. Only the
addresses differ from the README: the test's ports, data directory and interpreter replace
8090, 3000, `.sluice/` and `.venv/bin/sluice`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_sluice_up import Up
from tests.e2e.up_support import fresh_data_dir, up_port
from tests.support.http import wait_for_json
from tests.support.thirdparty import json_server_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
NOTES = REPO / "descriptor" / "examples" / "data" / "notes.json"


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## A connector without code", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the section has no shell block"
    commands, pending = [], ""
    for line in block.group(1).splitlines():
        pending += line.split("   # ")[0].rstrip() + "\n"
        if not line.rstrip().endswith("\\") and pending.count("'") % 2 == 0:
            commands.append(pending.strip())
            pending = ""
    return commands


def _adapted(command: str, up: Up, api_url: str) -> str:
    return (
        command.replace("http://127.0.0.1:8090", up.url)
        .replace("http://127.0.0.1:3000", api_url)
        .replace(".sluice/admin_token", shlex.quote(str(up.data_dir / "admin_token")))
        .replace(".venv/bin/sluice", f"{shlex.quote(sys.executable)} -m sluice_cli.main")
    )


async def test_readme_descriptor_section_from_file_to_search(tmp_path: Path) -> None:
    commands = _readme_commands()
    assert [c.split()[0] for c in commands] == [
        ".venv/bin/sluice",
        ".venv/bin/sluice",
        "curl",
        ".venv/bin/sluice",
    ]
    root = tmp_path / "project"
    root.mkdir()
    (root / "README.md").write_text("# A project\n")
    port = up_port()
    data = fresh_data_dir()
    up = Up(root, data.__enter__(), port)
    api_dir = tmp_path / "api"
    api_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        {
            "SLUICE_DATA_DIR": str(up.data_dir),
            "SLUICE_PORT": str(port),
            "SLUICE_MANAGER_URL": up.url,
        }
    )
    try:
        await wait_for_json(up.url + "/health", timeout=90)
        with json_server_process(json.loads(NOTES.read_text()), api_dir) as api:
            outputs = []
            for command in commands[:3]:
                done = subprocess.run(
                    ["bash", "-c", _adapted(command, up, api.base_url)],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                assert done.returncode == 0, (command, done.stdout, done.stderr)
                outputs.append(done.stdout)
            source = json.loads(outputs[2])
            assert source["source_type"] == "declarative", source
            assert source["descriptor"]["slug"] == "json-server-notes"
            deadline = time.monotonic() + 90
            while True:
                done = subprocess.run(
                    ["bash", "-c", _adapted(commands[3], up, api.base_url)],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                if "Note 2" in done.stdout:
                    break
                assert time.monotonic() < deadline, (done.stdout, done.stderr)
                await asyncio.sleep(1)
    finally:
        up.interrupt()
        data.__exit__(None, None, None)
