"""Errors of run creation and the trigger (protocol §9.6, §4.8, §4.10).

Routed on ``kind``: the scheduler ends a phase on a cap (§9.6), and the HTTP layer
(``sluice_manager.http.statuses``) answers each kind with its status and ``message`` (§4.10).
"""

from __future__ import annotations

from typing import Literal

from sluice_manager.errors import ManagerError

TriggerErrorKind = Literal[
    "source_missing",
    "inactive",
    "no_connector",
    "realtime_unsupported",
    "invalid_config",
    "slot_busy",
    "global_cap",
    "slot_cap",
    "dispatch_failed",
    "realtime_unavailable",
]


class TriggerError(ManagerError):
    """A trigger or run creation that did not start a run (or whose dispatch failed)."""

    def __init__(
        self, kind: TriggerErrorKind, message: str, *, sync_run_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind: TriggerErrorKind = kind
        self.message = message
        # Set when a run was created, then failed or was cancelled by its dispatch (§9.6 step 8).
        self.sync_run_id = sync_run_id

    def __repr__(self) -> str:
        return f"TriggerError({self.kind!r}, {self.message!r})"
