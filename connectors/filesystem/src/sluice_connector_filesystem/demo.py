"""The demo source ``sluice up`` creates: the project's own documentation (README.md, docs/).

body = demo_source(Path.cwd())   # POST /api/sources with this body
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_INCLUDE = ["/README.md", "docs/**/*.md", "docs/**/*.rst", "docs/**/*.txt", "docs/**/*.pdf"]


def demo_config(project_root: Path) -> dict[str, Any]:
    """Config for the project's README.md and docs/ (ids: ``README.md``, ``docs/...``)."""
    return {"roots": [str(project_root.resolve())], "include": list(DEMO_INCLUDE)}


def demo_source(project_root: Path, *, sync_interval_seconds: int = 300) -> dict[str, Any]:
    """A ``POST /api/sources`` body for the demo source, synced every five minutes."""
    return {
        "name": "Project documentation",
        "source_type": "filesystem",
        "config": demo_config(project_root),
        "sync_interval_seconds": sync_interval_seconds,
    }
