"""A sync started from the source page, followed live on the run page (htmx over SSE) until it
completes, with no reload; and the README's screenshots of the sources and runs pages."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from playwright.async_api import Route, expect

from tests.browser.conftest import VIEWPORT, Indexed, Watched
from tests.browser.stack import Stack
from tests.chaos.harness import REPO

pytestmark = [pytest.mark.asyncio(loop_scope="package"), pytest.mark.e2e, pytest.mark.timeout(300)]

FILES = 120
TERMINAL = {"completed", "failed", "cancelled"}
README_IMAGES = REPO / "docs" / "img"
# Set to rewrite docs/img/console-*.png (they are written anyway when missing).
UPDATE_IMAGES = os.environ.get("SLUICE_UPDATE_SCREENSHOTS") == "1"

# Remembers every text the run's status and scanned counter show, from now on.
WATCH_COUNTERS = """() => {
  window.__seen = {status: [], scanned: []};
  const note = () => {
    const status = document.getElementById('run-status');
    const scanned = document.getElementById('run-documents-scanned');
    if (status) window.__seen.status.push(status.textContent.trim());
    if (scanned) window.__seen.scanned.push(scanned.textContent.trim());
  };
  note();
  new MutationObserver(note).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def _many_files(folder: Path) -> Path:
    folder.mkdir()
    for i in range(FILES):
        (folder / f"file-{i:04d}.txt").write_text(f"File number {i}.\n", encoding="utf-8")
    return folder


async def test_sync_now_shows_counters_reach_completed_without_a_reload(
    signed_in: Watched, stack: Stack, tmp_path: Path
) -> None:
    source_id = await stack.filesystem_source("Many files", _many_files(tmp_path / "many"))
    page = signed_in.page
    await page.goto(f"{stack.url}/ui/sources/{source_id}")

    # The connector is frozen (SIGSTOP) from the moment it has accepted the run until the run
    # page is loaded and watched, so the page first shows the run unfinished, whatever the load.
    async def freeze_after_dispatch(route: Route) -> None:
        response = await route.fetch(max_redirects=0)
        stack.signal("filesystem", signal.SIGSTOP)
        await route.fulfill(response=response)

    await page.route(re.compile(rf"/ui/sources/{source_id}/sync$"), freeze_after_dispatch)
    try:
        await page.get_by_role("button", name="Sync now").click()
        await page.wait_for_url(re.compile(r"/ui/runs/[0-9A-Z]{26}$"))
        await page.evaluate("window.__sameDocument = true")
        await page.evaluate(WATCH_COUNTERS)
    finally:
        stack.signal("filesystem", signal.SIGCONT)

    status = page.locator("#run-status")
    await expect(status).to_have_text("completed", timeout=30_000)
    await expect(page.locator("#run-documents-scanned")).to_have_text(str(FILES))
    seen = await page.evaluate("window.__seen")
    assert seen["status"][0] not in TERMINAL, seen["status"]
    assert await page.evaluate("window.__sameDocument") is True, "the run page was reloaded"
    assert await page.get_by_role("button", name="Cancel").count() == 0

    run_id = page.url.rsplit("/", 1)[1]
    _, run = await stack.api("GET", f"/api/sync-runs/{run_id}")
    assert run["status"] == "completed"
    assert run["documents_scanned"] == FILES


async def test_readme_screenshots_of_the_sources_and_runs_pages(
    signed_in: Watched, stack: Stack, indexed: Indexed, tmp_path: Path
) -> None:
    page = signed_in.page
    assert page.viewport_size == VIEWPORT
    shots = {}
    for name, path in (("sources", "/ui/sources"), ("runs", "/ui/runs")):
        await page.goto(stack.url + path)
        assert await page.get_by_text("completed").count() >= 1
        shots[name] = tmp_path / f"console-{name}.png"
        await page.screenshot(path=shots[name])
    for name, shot in shots.items():
        target = README_IMAGES / f"console-{name}.png"
        assert shot.read_bytes().startswith(b"\x89PNG")
        if UPDATE_IMAGES or not target.exists():
            README_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)
