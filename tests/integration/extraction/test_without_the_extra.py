"""A manager installed without its `extraction` extra (protocol §4.5): text, HTML and e-mail are
still extracted, PDF and the OOXML formats are answered with 501 naming the extra.

In process, a module that cannot be imported is simulated the way Python spells it
(``sys.modules[name] = None``); the last test runs the manager as a real process from a virtual
environment where the extra's distributions are not installed at all.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from packaging.requirements import Requirement
from structlog.testing import capture_logs

from sluice_manager.extraction import availability
from sluice_manager.extraction.resources import PERMITS
from tests.integration.extraction.support import AUTH, fixture, manager, omni_form
from tests.support.http import free_port, wait_for_json

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODULES = [*availability.READER_MODULES.values(), availability.MAIN_TEXT_MODULE]
UNAVAILABLE = ["docx", "pdf", "pptx", "xlsx"]


def _error(fmt: str) -> dict[str, str]:
    return {
        "error": f"this manager cannot extract {fmt} files without its extraction extra: "
        "pip install 'sluice-manager[extraction]'"
    }


@pytest.fixture
def without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in MODULES:
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.usefixtures("without_the_extra")
async def test_binary_formats_are_501_and_text_formats_still_extract(
    db_pool: asyncpg.Pool,
) -> None:
    with capture_logs() as logs:
        async with manager(db_pool) as client:
            for name, mime, fmt in [
                ("quarterly-report.pdf", PDF, "PDF"),
                ("handbook.docx", DOCX, "DOCX"),
                ("roadmap.pptx", PPTX, "PPTX"),
                ("budget.xlsx", XLSX, "XLSX"),
                ("quarterly-report.pdf", "application/octet-stream", "PDF"),
            ]:
                for path in ("/sdk/extract-text", "/sdk/extract-content"):
                    form = omni_form(fixture(name), mime, filename=name)
                    resp = await client.post(path, data=form, headers=AUTH)
                    assert resp.status == 501, (name, mime, path)
                    assert await resp.json() == _error(fmt)
            assert client.app[PERMITS].free == 2  # released on the 501 path

            async def text_of(name: str, mime: str) -> str:
                form = omni_form(fixture(name), mime)
                resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
                assert resp.status == 200, await resp.text()
                text: str = (await resp.json())["text"]
                return text

            assert "grace@example.com" in await text_of("contacts.csv", "text/csv")
            assert "in the Café room" in await text_of("incident-review.eml", "message/rfc822")
            assert "1,250 EUR" in await text_of("invoice-html-only.eml", "message/rfc822")
            html = await text_of("article.html", "text/html; charset=utf-8")
            assert "SKIP LOCKED" in html
            assert "All rights reserved" in html  # all visible text: no trafilatura to drop it
            assert "window.analytics" not in html
    # Nothing was stored for the refused files.
    assert await db_pool.fetchval("SELECT count(*) FROM content_blobs") == 0
    events = [e for e in logs if e["event"] == "extraction_formats_unavailable"]
    assert len(events) == 1
    assert events[0]["log_level"] == "warning"
    assert events[0]["formats"] == UNAVAILABLE
    assert events[0]["html"] == "visible text"
    assert events[0]["install"] == "pip install 'sluice-manager[extraction]'"


async def test_with_the_extra_nothing_is_reported_unavailable(db_pool: asyncpg.Pool) -> None:
    with capture_logs() as logs:
        async with manager(db_pool) as client:
            form = omni_form(fixture("quarterly-report.pdf"), PDF)
            resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
            assert resp.status == 200
    assert "extraction_formats_unavailable" not in [e["event"] for e in logs]


@pytest.mark.usefixtures("without_the_extra")
async def test_docling_still_reads_what_the_manager_cannot(db_pool: asyncpg.Pool) -> None:
    async def convert(request: web.Request) -> web.Response:
        await request.post()
        body = {"status": "success", "document": {"text_content": "Docling read the PDF"}}
        return web.json_response(body)

    docling = web.Application()
    docling.router.add_post("/v1/convert/file", convert)
    async with TestServer(docling) as server:
        docling_url = str(server.make_url("/"))
        async with manager(db_pool, docling_url=docling_url) as client:
            form = omni_form(fixture("quarterly-report.pdf"), PDF)
            resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
            assert await resp.json() == {"text": "Docling read the PDF"}
        await server.close()  # Docling gone: the manager cannot read the file itself
        async with manager(db_pool, docling_url=docling_url) as client:
            form = omni_form(fixture("quarterly-report.pdf"), PDF)
            resp = await client.post("/sdk/extract-text", data=form, headers=AUTH)
            assert resp.status == 501


def _extra_distributions() -> list[str]:
    """The distributions sluice-manager's `extraction` extra installs, from its metadata."""
    names = []
    for line in importlib.metadata.requires("sluice-manager") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and marker.evaluate({"extra": "extraction"}):
            names.append(requirement.name)
    return names


def _venv_without(root: Path, distributions: list[str]) -> Path:
    """A virtual environment with everything this one has installed but ``distributions``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    target = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    left_out = set()
    for name in distributions:
        for file in importlib.metadata.distribution(name).files or []:
            if file.parts[0] != "..":  # console scripts live outside site-packages
                left_out.add(file.parts[0])
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if entry.name not in left_out and entry.name != "__pycache__":
            (Path(target) / entry.name).symlink_to(entry)
    return python


@pytest.mark.e2e
@pytest.mark.timeout(180)
async def test_a_manager_process_installed_without_the_extra(db_url: str, tmp_path: Path) -> None:
    distributions = _extra_distributions()
    assert sorted(distributions) == [
        "lxml_html_clean",
        "openpyxl",
        "pypdf",
        "python-docx",
        "python-pptx",
        "trafilatura",
    ]
    python = _venv_without(tmp_path / "venv", distributions)
    probe = (
        "import importlib.util as u, json, sys; "
        "print(json.dumps({m: u.find_spec(m) is not None for m in sys.argv[1:]}))"
    )
    found = subprocess.run(
        [python, "-c", probe, *MODULES, "sluice_manager", "sluice_cli"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert json.loads(found) == {
        **dict.fromkeys(MODULES, False),
        "sluice_manager": True,
        "sluice_cli": True,
    }

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "PYTHON"))}
    env.update(
        {
            "SLUICE_DATABASE_URL": db_url,
            "SLUICE_PORT": str(port),
            "SLUICE_ADMIN_TOKEN": "adm",
            "SLUICE_CONNECTOR_TOKEN": "con1",
            "SLUICE_DATA_DIR": str(tmp_path / "data"),
            "SLUICE_LOG_JSON": "true",
        }
    )
    log_path = tmp_path / "manager.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [python, "-m", "sluice_cli.main", "manager"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_json(f"{url}/health", timeout=60)
        async with aiohttp.ClientSession(url, headers=AUTH) as http:
            form = omni_form(fixture("quarterly-report.pdf"), PDF)
            async with http.post("/sdk/extract-content", data=form) as resp:
                assert resp.status == 501
                assert await resp.json() == _error("PDF")
            # HTML goes through the worker processes, which lack trafilatura too.
            form = omni_form(fixture("article.html"), "text/html")
            async with http.post("/sdk/extract-text", data=form) as resp:
                assert resp.status == 200
                html = (await resp.json())["text"]
            form = omni_form(b"plain words", "text/plain")
            async with http.post("/sdk/extract-text", data=form) as resp:
                assert await resp.json() == {"text": "plain words"}
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
        sys.stderr.write(log_path.read_text())  # pytest shows it if the test fails
    assert code == 0
    assert "SKIP LOCKED" in html
    assert "All rights reserved" in html
    lines = log_path.read_text().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    unavailable = [e for e in events if e["event"] == "extraction_formats_unavailable"]
    assert len(unavailable) == 1, lines
    assert unavailable[0]["formats"] == UNAVAILABLE
