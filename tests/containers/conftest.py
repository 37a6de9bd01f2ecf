"""Container tests: podman ready (installed when missing, or a loud skip), the images built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.support import (
    Containers,
    build_images,
    require_podman,
    start_build_in_background,
    stop_background_build,
)

HERE = Path(__file__).parent
# The first test of a session pays for the image build: minutes on a fresh cache.
TIMEOUT_SECONDS = 1200


def _uses_podman(item: pytest.Item) -> bool:
    return HERE in item.path.parents and "images" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Only tests that run containers are marked (the manifest and compose-file checks need no
    # podman and run under -m "not containers" too), and they run last: the image build started
    # at the end of collection then overlaps the rest of the suite.
    for item in items:
        if _uses_podman(item):
            item.add_marker(pytest.mark.containers)
            item.add_marker(pytest.mark.timeout(TIMEOUT_SECONDS))
    items.sort(key=_uses_podman)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly and any(_uses_podman(i) for i in session.items):
        start_build_in_background()


def pytest_sessionfinish() -> None:
    stop_background_build()


@pytest.fixture(scope="session")
def images() -> None:
    """Every image built (podman's layer cache makes this quick when nothing changed)."""
    require_podman()
    build_images()


@pytest.fixture
def containers(images: None) -> Iterator[Containers]:
    """Containers started by one test, removed after it."""
    started = Containers()
    try:
        yield started
    finally:
        started.close()
