"""Connector actions (protocol §3.6, §6.7): which actions a source offers (``offered``) and running
one (``run``). One path for every caller: ``POST /api/sources/{id}/actions/{action}`` and the MCP
tools both go through ``run_action``."""

from sluice_manager.actions.errors import (
    ActionRefused,
    ConnectorOffline,
    NoCredential,
    UnusableManifest,
)
from sluice_manager.actions.run import ActionReply, run_action

__all__ = [
    "ActionRefused",
    "ActionReply",
    "ConnectorOffline",
    "NoCredential",
    "UnusableManifest",
    "run_action",
]
