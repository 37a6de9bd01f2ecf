"""Scoped tokens for the connectors ``sluice up`` starts (protocol §2).

The filesystem connector and the declarative runtime each get a token for their own connector id
and source type, never the shared connector token (which trusts every connector); they accept the
manager's calls by the shared token's digest instead (``SLUICE_MANAGER_TOKEN_SHA256``). A token is
kept in ``<data_dir>/connector_tokens/<connector id>`` (mode 0600) and reused while it is live, so
restarts do not pile up tokens; a revoked or lost one is replaced.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sluice_manager.connector_tokens.repository import authenticate, mint
from sluice_sql.pool import connect

TOKENS_DIR = "connector_tokens"
# What sluice up runs: connector id → the source types its token serves.
BUILTIN_CONNECTORS: Mapping[str, tuple[str, ...]] = {
    "filesystem": ("filesystem",),
    "declarative": ("declarative",),
}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _write(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")


async def ensure_connector_tokens(
    database_url: str,
    data_dir: Path,
    now: datetime,
    connectors: Mapping[str, Sequence[str]] = BUILTIN_CONNECTORS,
) -> dict[str, str]:
    """A live scoped token per connector id: the kept one if it still fits, else a new one."""
    tokens: dict[str, str] = {}
    conn = await connect(database_url, application_name="sluice-up")
    try:
        for connector_id, source_types in connectors.items():
            path = data_dir / TOKENS_DIR / connector_id
            kept = _read(path)
            if kept is not None:
                scope = await authenticate(conn, kept, now, record_use=False)
                if (
                    scope is not None
                    and scope.connector_id == connector_id
                    and scope.source_types == frozenset(source_types)
                ):
                    tokens[connector_id] = kept
                    continue
            _, token = await mint(conn, connector_id, source_types, now, name="sluice up")
            _write(path, token)
            tokens[connector_id] = token
    finally:
        await conn.close()
    return tokens


def token_digests(tokens: Sequence[str]) -> str:
    """``SLUICE_MANAGER_TOKEN_SHA256`` for the shared tokens the manager may send."""
    return ",".join(hashlib.sha256(t.encode("utf-8")).hexdigest() for t in tokens)
