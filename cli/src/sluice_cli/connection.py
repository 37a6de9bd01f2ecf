"""Which manager the remote commands talk to, and with which admin token.

Each is looked up in order: the command's flag (``--url``, ``--token``), then the environment
(``SLUICE_URL``, or ``SLUICE_MANAGER_URL`` as earlier releases read it; ``SLUICE_ADMIN_TOKEN``, its
first entry when it is a comma-separated rotation list), then the data directory
(``SLUICE_DATA_DIR``, default ``.sluice``): ``manager.json``, which ``sluice up`` writes once the
manager answers, then ``admin_token``, which an embedded manager generates. When none gives an
answer, :class:`NotFound` says every place that was tried.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MANAGER_FILE = "manager.json"  # written by sluice up: {"url": ..., "admin_token": ...}, mode 0600
ADMIN_TOKEN_FILE = "admin_token"  # as sluice_manager.tokens names it
DEFAULT_DATA_DIR = ".sluice"
URL_VARIABLES = ("SLUICE_URL", "SLUICE_MANAGER_URL")


class NotFound(Exception):
    """No URL or no token anywhere; the message lists the places looked at."""


@dataclass(frozen=True, slots=True)
class Connection:
    url: str
    token: str
    url_from: str  # where each came from, for a refusal's explanation
    token_from: str


def data_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("SLUICE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def _manager_file(directory: Path) -> dict[str, str]:
    try:
        loaded = json.loads((directory / MANAGER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(v, str) and v}


def _token_file(directory: Path) -> str | None:
    try:
        return (directory / ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def resolve(
    url: str | None, token: str | None, environ: Mapping[str, str] | None = None
) -> Connection:
    """The manager URL and admin token from the flags, the environment, then the data directory."""
    env = os.environ if environ is None else environ
    directory = data_dir(env)
    written = _manager_file(directory)
    found_url, url_from = _first(
        [("--url", url)]
        + [(name, env.get(name)) for name in URL_VARIABLES]
        + [(str(directory / MANAGER_FILE), written.get("url"))]
    )
    first_env_token = (env.get("SLUICE_ADMIN_TOKEN") or "").split(",")[0].strip()
    found_token, token_from = _first(
        [
            ("--token", token),
            ("SLUICE_ADMIN_TOKEN", first_env_token),
            (str(directory / MANAGER_FILE), written.get("admin_token")),
            (str(directory / ADMIN_TOKEN_FILE), _token_file(directory)),
        ]
    )
    missing = []
    if found_url is None:
        places = ", ".join(name for name in URL_VARIABLES)
        missing.append(
            f"no manager URL: no --url, {places} not set, and no {directory / MANAGER_FILE}"
        )
    if found_token is None:
        missing.append(
            "no admin token: no --token, SLUICE_ADMIN_TOKEN not set, and neither "
            f"{directory / MANAGER_FILE} nor {directory / ADMIN_TOKEN_FILE} has one"
        )
    if missing:
        raise NotFound(
            "; ".join(missing) + ". sluice up writes both into its data directory: run this "
            "where sluice up runs, or set SLUICE_DATA_DIR to its data directory"
        )
    assert found_url is not None
    assert found_token is not None
    return Connection(found_url.rstrip("/"), found_token, url_from, token_from)


def _first(candidates: list[tuple[str, str | None]]) -> tuple[str | None, str]:
    for where, value in candidates:
        if value:
            return value, where
    return None, ""


def refusal_hint(connection: Connection) -> str:
    """What to tell a user whose token the manager refused (401): where the token came from."""
    if connection.token_from in ("--token", "SLUICE_ADMIN_TOKEN"):
        return f"the admin token from {connection.token_from} was refused"
    return (
        f"the admin token read from {connection.token_from} was refused: is that the data "
        f"directory of the manager at {connection.url}? (SLUICE_DATA_DIR chooses it)"
    )


def write_manager_file(directory: Path, url: str, admin_token: str) -> Path:
    """What ``sluice up`` leaves for the commands run beside it: owner-only, replaced whole."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANAGER_FILE
    partial = directory / f".{MANAGER_FILE}.tmp"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"url": url, "admin_token": admin_token}, handle)
        handle.write("\n")
    os.chmod(partial, 0o600)  # an older file of another mode is replaced, not reused
    os.replace(partial, path)
    return path
