"""Smoke tests of the images (what ``make images`` runs after building them).

A Postgres container, the migrations applied by ``sluice migrate``, a manager answering
``/health``; the filesystem connector registering by heartbeat; an indexer draining a document
queued through the manager's SDK API. The containers share the host network on distinct loopback
ports.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.containers.support import (
    CONNECTOR_TOKEN,
    CONNECTORS,
    SERVER_IMAGE,
    Container,
    Containers,
    connector_image,
    eventually,
    free_port,
    http,
    podman,
    server_env,
    start_postgres,
)

PHRASE = "quartz lanterns over the sluice gate"


@dataclass(frozen=True)
class Stack:
    containers: Containers
    database_url: str
    manager: Container
    url: str
    migrate_output: str


@pytest.fixture(scope="module")
def stack(images: None) -> Iterator[Stack]:
    containers = Containers()
    try:
        database_url = start_postgres(containers)
        migrate = containers.run(
            SERVER_IMAGE, "migrate", name="migrate", env=server_env(database_url)
        )
        assert migrate.wait() == 0, migrate.logs()
        port = free_port()
        manager = containers.run(
            SERVER_IMAGE,
            "manager",
            name="manager",
            env=server_env(database_url, SLUICE_HOST="127.0.0.1", SLUICE_PORT=str(port)),
        )
        url = f"http://127.0.0.1:{port}"
        eventually(
            lambda: True if http("GET", url + "/health")[0] == 200 else None,
            60,
            "the manager's /health",
            manager,
        )
        yield Stack(containers, database_url, manager, url, migrate.logs())
    finally:
        containers.close()


def test_manager_is_healthy_on_a_database_migrated_by_sluice_migrate(stack: Stack) -> None:
    assert "applied migrations: [1, 2," in stack.migrate_output
    again = stack.containers.run(
        SERVER_IMAGE, "migrate", name="migrate-again", env=server_env(stack.database_url)
    )
    assert again.wait() == 0
    assert "database is up to date" in again.logs()
    assert http("GET", stack.url + "/health") == (200, {"status": "ok", "database": "ok"})
    assert stack.manager.exec("id", "-u").stdout.strip() == "10001"


def test_filesystem_connector_registers_by_heartbeat(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    connector = stack.containers.run(
        connector_image("filesystem"),
        name="filesystem",
        env={
            "SLUICE_MANAGER_URL": stack.url,
            "SLUICE_CONNECTOR_URL": f"http://127.0.0.1:{port}",
            "SLUICE_LISTEN_HOST": "127.0.0.1",
            "PORT": str(port),
            "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        },
        volumes=[f"{tmp_path}:/data:ro"],
    )

    def registered() -> dict[str, Any] | None:
        status, connectors = http("GET", stack.url + "/api/connectors")
        assert status == 200, connectors
        return next((c for c in connectors if c["connector_id"] == "filesystem"), None)

    found = eventually(registered, 60, "the filesystem connector to register", connector)
    assert found["online"] is True
    assert found["source_types"] == ["filesystem"]
    assert found["connector_url"] == f"http://127.0.0.1:{port}"
    assert connector.exec("id", "-u").stdout.strip() == "10001"


def _sdk(stack: Stack, method: str, path: str, body: object = None) -> Any:
    status, answer = http(method, stack.url + path, body, token=CONNECTOR_TOKEN)
    assert status == 200, (path, status, answer)
    return answer


def test_indexer_drains_a_document_queued_through_the_sdk_api(stack: Stack) -> None:
    # A source of a type no connector serves: nothing but this test drives its runs.
    status, source = http(
        "POST",
        stack.url + "/api/sources?allow_unknown_type=true",
        {"name": "smoke", "source_type": "smoke", "config": {}},
    )
    assert status == 201, source
    run = _sdk(stack, "POST", "/sdk/sync/create", {"source_id": source["id"], "sync_type": "full"})
    ids = {"sync_run_id": run["sync_run_id"], "source_id": source["id"]}
    content = _sdk(stack, "POST", "/sdk/content", {**ids, "content": f"Notes: {PHRASE}."})
    event = {
        **ids,
        "type": "document_created",
        "document_id": "notes/smoke.txt",
        "content_id": content["content_id"],
        "metadata": {"title": "Smoke notes"},
        "permissions": {"public": True, "users": [], "groups": []},
    }
    _sdk(stack, "POST", "/sdk/events", {**ids, "event": event})
    _sdk(stack, "POST", f"/sdk/sync/{run['sync_run_id']}/complete")

    indexer = stack.containers.run(
        SERVER_IMAGE, "indexer", name="indexer", env=server_env(stack.database_url)
    )
    query = urllib.parse.urlencode({"q": f'"{PHRASE}"'})

    def found() -> list[dict[str, Any]] | None:
        status, answer = http("GET", f"{stack.url}/api/search?{query}")
        assert status == 200, answer
        return answer["results"] or None

    [hit] = eventually(found, 60, "the indexer to apply the queued document", indexer)
    assert hit["external_id"] == "notes/smoke.txt"
    assert indexer.state() == "running"


# What each process loads, some of it only on first use (extraction, HTML parsing): an image
# missing a dependency fails here rather than in production.
IMPORTS = {
    SERVER_IMAGE: "sluice_manager.app sluice_indexer.main sluice_sql.migrate "
    "trafilatura pypdf docx openpyxl pptx",
    connector_image("filesystem"): "sluice_connector_filesystem.connector",
    connector_image("rss"): "sluice_connector_rss.connector feedparser",
    connector_image("web"): "sluice_connector_web.connector trafilatura",
    connector_image("declarative"): "sluice_connector_declarative.connector",
}


@pytest.mark.parametrize(("image", "modules"), IMPORTS.items())
def test_images_import_what_their_processes_load(images: None, image: str, modules: str) -> None:
    code = f"import importlib; [importlib.import_module(m) for m in {modules.split()!r}]"
    result = podman(
        "run", "--rm", "--network", "host", "--entrypoint", "python", image, "-c", code, check=False
    )
    assert result.returncode == 0, result.stderr


def _files(image: str, content: bytes) -> tuple[set[str], set[str]]:
    """Paths in the image of pip configuration files, and of files holding exactly ``content``."""
    mount = Path(podman("image", "mount", image).stdout.strip())
    pip_files, same = set(), set()
    try:
        for directory, _, names in os.walk(mount):
            for name in names:
                path = Path(directory, name)
                relative = str(path.relative_to(mount))
                if name in {"pip.conf", "pip-ca.pem"}:
                    pip_files.add(relative)
                regular = path.is_file() and not path.is_symlink()
                if regular and path.stat().st_size == len(content) and path.read_bytes() == content:
                    same.add(relative)
    finally:
        podman("image", "unmount", image, check=False)
    return pip_files, same


@pytest.mark.parametrize("image", [SERVER_IMAGE, *map(connector_image, CONNECTORS)])
def test_images_hold_no_pip_configuration_or_ca_bundle_of_the_build_host(
    images: None, image: str
) -> None:
    """The build's pip.conf and CA bundle were secrets: in no layer, and not in the history."""
    ca = Path(os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE") or "/nonexistent")
    host_ca = ca.read_bytes() if ca.is_file() else b"no CA bundle on this host"
    base = podman(
        "inspect", "--format", '{{index .Labels "org.opencontainers.image.base.name"}}', image
    ).stdout.strip()
    pip_files, with_host_ca = _files(image, host_ca)
    assert pip_files == set()
    # The base's own CA bundle may equal the host's (a stock Debian host): only additions count.
    assert with_host_ca - _files(base, host_ca)[1] == set()
    history = podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
    # Only the dependencies stage saw the secrets, and no layer of it is in a final image.
    assert "pip.conf" not in history
    assert "pip-ca.pem" not in history
