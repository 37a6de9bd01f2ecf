"""The manager's exception root."""

from __future__ import annotations


class ManagerError(Exception):
    """Root of every error the manager raises on purpose."""
