"""Identifiers Sluice generates: 26-character ULIDs (protocol §1.3)."""

from __future__ import annotations

from ulid import ULID


def new_id() -> str:
    return str(ULID())
