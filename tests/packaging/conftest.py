"""Every distribution of the workspace built as a wheel: once per session, outside the sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# folder: (distribution, its one import package)
DISTRIBUTIONS = {
    "sdk": ("sluice-sdk", "sluice_sdk"),
    "sql": ("sluice-sql", "sluice_sql"),
    "runtime": ("sluice-runtime", "sluice_runtime"),
    "descriptor": ("sluice-descriptor", "sluice_descriptor"),
    "manager": ("sluice-manager", "sluice_manager"),
    "indexer": ("sluice-indexer", "sluice_indexer"),
    "cli": ("sluice-command", "sluice_cli"),
    "connectors/rss": ("sluice-connector-rss", "sluice_connector_rss"),
    "connectors/filesystem": ("sluice-connector-filesystem", "sluice_connector_filesystem"),
    "connectors/web": ("sluice-connector-web", "sluice_connector_web"),
    "connectors/declarative": ("sluice-connector-declarative", "sluice_connector_declarative"),
    "connectors/mcp-everything": (
        "sluice-connector-mcp-everything",
        "sluice_connector_mcp_everything",
    ),
}
# What an editable install or an in-place build leaves in a folder; never part of a wheel.
LITTER = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Distribution name → its wheel. Built from copies: setuptools writes ``build/`` and
    ``*.egg-info`` next to the sources it builds, and stale files there would end up in wheels."""
    base = tmp_path_factory.mktemp("wheels")
    sources = [base / "src" / folder for folder in DISTRIBUTIONS]
    for folder, copy in zip(DISTRIBUTIONS, sources, strict=True):
        shutil.copytree(ROOT / folder, copy, ignore=LITTER)
    out = base / "out"
    built = subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
            "--no-index", "--disable-pip-version-check", "--quiet", "--wheel-dir", str(out),
            *map(str, sources),
        ],
        check=False,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    found = {}
    for name, _ in DISTRIBUTIONS.values():
        [wheel] = out.glob(f"{name.replace('-', '_')}-*.whl")
        found[name] = wheel
    return found
