"""Browser tests: Playwright's async API driving Debian's Chromium against a running system.

* ``chromium_path``: the Debian package's binary, installed on first use (``chromium.py``); the
  tests are skipped, saying why, only where it cannot be installed.
* ``stack``: one manager, indexer, filesystem connector and notes connector for the whole package
  (``stack.py``); ``indexed``: a filesystem source over a folder of test documents, synced and
  searchable.
* ``watched`` (and ``signed_in``): a fresh browser context per test at 1280x800, with
  every console message and page error recorded; when the test fails, a screenshot of the page is
  written to ``tests/browser/artifacts/<test>.png``; when it passed, a Content-Security-Policy
  violation seen on any of its pages fails it.

Everything async here shares the package's event loop (the processes belong to it), so each test
module sets ``pytestmark = pytest.mark.asyncio(loop_scope="package")``.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    async_playwright,
)

from sluice_sql.embedded import database_url
from tests.browser import chromium
from tests.browser.stack import (
    PHRASE,
    Stack,
    clone_database,
    drop_database,
    start_stack,
    write_documents,
)
from tests.chaos.harness import ADMIN_TOKEN, Processes

ARTIFACTS = Path(__file__).parent / "artifacts"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# Chromium's wording for a blocked script, style, frame... (a console error per violation).
CSP_VIOLATION = re.compile(r"Content Security Policy", re.IGNORECASE)

# Playwright must not fetch a browser build of its own, ever.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell at teardown whether the
    test itself failed."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


def call_failed(item: pytest.Item) -> bool:
    report = item.stash.get(PHASE_REPORTS, {}).get("call")
    return report is None or report.failed


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        return chromium.find_or_install()
    except chromium.ChromiumUnavailable as exc:
        pytest.skip(f"BROWSER TESTS SKIPPED: Debian's chromium is unavailable: {exc.reason}")


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, args=["--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def stack(
    pg_server_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    name = await clone_database(pg_server_url, template_database)
    procs = Processes(database_url(pg_server_url, name), tmp_path_factory.mktemp("stack"))
    try:
        async with aiohttp.ClientSession() as session:
            yield await start_stack(procs, session)
    finally:
        await procs.stop_all()
        await drop_database(pg_server_url, name)


@dataclass
class Indexed:
    """A filesystem source over ``folder``, synced once and searchable."""

    source_id: str
    run: dict[str, object]
    folder: Path


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def indexed(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    folder = write_documents(tmp_path_factory.mktemp("documents"))
    source_id = await stack.filesystem_source("Fixture documents", folder)
    run = await stack.sync_to_completion(source_id)
    await stack.searchable(PHRASE, source_id, 1)
    return Indexed(source_id, run, folder)


@dataclass
class Watched:
    """A page with what its console said and which errors it threw."""

    page: Page
    messages: list[ConsoleMessage] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(message)

    def on_error(self, error: Error) -> None:
        self.errors.append(error)

    def csp_violations(self) -> list[str]:
        return [m.text for m in self.messages if CSP_VIOLATION.search(m.text)]

    def problems(self) -> list[str]:
        """Console errors and uncaught exceptions: a console page should have none."""
        texts = [f"console {m.type}: {m.text}" for m in self.messages if m.type == "error"]
        return texts + [f"page error: {e.message}" for e in self.errors]


@pytest_asyncio.fixture(loop_scope="package")
async def watched(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Watched]:
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    seen = Watched(page)
    page.on("console", seen.on_console)
    page.on("pageerror", seen.on_error)
    try:
        yield seen
    finally:
        if call_failed(request.node):
            ARTIFACTS.mkdir(exist_ok=True)
            try:
                await page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
            except Error as exc:  # a crashed page: the failure itself says more
                print(f"no screenshot of {request.node.name}: {exc.message}")
        await context.close()
    # Whatever a test did, no page it saw may have broken the Content-Security-Policy.
    if not call_failed(request.node) and seen.csp_violations():
        pytest.fail(f"Content-Security-Policy violations: {seen.csp_violations()}")


async def sign_in(page: Page, stack: Stack, token: str = ADMIN_TOKEN) -> None:
    """Through the login form, as an operator would."""
    await page.goto(f"{stack.url}/ui/login")
    await page.get_by_label("Admin token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


@pytest_asyncio.fixture(loop_scope="package")
async def signed_in(watched: Watched, stack: Stack) -> Watched:
    await sign_in(watched.page, stack)
    await watched.page.wait_for_url(re.compile(r"/ui/sources$"))
    return watched
