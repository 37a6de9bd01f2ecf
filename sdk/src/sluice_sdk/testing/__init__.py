"""Test kit for connectors: a fake manager, an in-process runner and the conformance suite."""

from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.testing.conformance import (
    ConnectorConformance,
    check_bad_credentials,
    check_cancellation,
    check_full_sync,
    check_manifest,
    check_resume,
)
from sluice_sdk.testing.fake_manager import FakeManager
from sluice_sdk.testing.fake_state import FakeRun, FakeSource
from sluice_sdk.testing.runner import FAST_RETRY, SMALL_BATCHES, ConnectorHarness, RunResult

__all__ = [
    "FAST_RETRY",
    "SMALL_BATCHES",
    "ConnectorConformance",
    "ConnectorHarness",
    "FakeManager",
    "FakeRun",
    "FakeSource",
    "RunResult",
    "check_bad_credentials",
    "check_cancellation",
    "check_full_sync",
    "check_manifest",
    "check_resume",
    "input_schema_problem",
]
