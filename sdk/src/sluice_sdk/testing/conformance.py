"""The conformance suite every reference connector's tests reuse.

Either subclass ``ConnectorConformance`` in a pytest module::

    class TestHelloConformance(ConnectorConformance):
        def make_connector(self) -> Connector[Any, Any]:
            return HelloConnector()

        def source_config(self) -> dict[str, Any]:
            return {"count": 3}

(fixtures of the test class, e.g. an autouse fixture that starts a fake data source and stores its
URL on ``self``, run before each check), or call the ``check_*`` functions directly.
"""

from __future__ import annotations

import re
import unittest
from typing import Any

from sluice_sdk.connector import Connector
from sluice_sdk.input_schema import input_schema_problem
from sluice_sdk.models import SOURCE_TYPE_PATTERN, ConnectorManifest
from sluice_sdk.testing.runner import SMALL_BATCHES, ConnectorHarness


def check_manifest(connector: Connector[Any, Any]) -> ConnectorManifest:
    manifest = connector.manifest(connector.name, "http://127.0.0.1:8000")
    ConnectorManifest.model_validate_json(manifest.model_dump_json())
    assert manifest.sync_modes, "a connector without sync_modes is never scheduled"
    assert manifest.source_types, "declare the source types the connector serves"
    for source_type in manifest.source_types:
        assert re.match(SOURCE_TYPE_PATTERN, source_type), f"{source_type!r} is not a slug"
    for definition in manifest.actions:
        problem = input_schema_problem(definition.input_schema)
        assert problem is None, f"{manifest.name}.{definition.name} {problem}"
    return manifest


async def check_full_sync(
    connector: Connector[Any, Any],
    config: dict[str, Any],
    credentials: dict[str, Any],
    *,
    min_documents: int = 1,
) -> None:
    async with ConnectorHarness(connector) as harness:
        source = harness.add_source(config=config, credentials=credentials)
        result = await harness.sync(source, "full")
        assert result.status == "completed", f"full sync ended {result.status}: {result.error}"
        assert result.outcome == "completed"
        assert len(set(result.document_ids)) >= min_documents, "a full sync emitted no documents"


async def check_resume(
    connector: Connector[Any, Any], config: dict[str, Any], credentials: dict[str, Any]
) -> None:
    """A run resumed from a checkpoint saved mid-run still covers every document (§7.3, §10.7)."""
    async with ConnectorHarness(connector, flush_policies=SMALL_BATCHES) as harness:
        source = harness.add_source(config=config, credentials=credentials)
        first = await harness.sync(source, "full")
        assert first.status == "completed", f"full sync ended {first.status}: {first.error}"
        if not first.checkpoints:
            raise unittest.SkipTest("the connector saves no checkpoint during a full sync")
        checkpoint = first.checkpoints[0]
        delivered = first.run.checkpoint_event_counts[0]
        before = {
            e["document_id"]
            for e in first.events[:delivered]
            if e["type"] in ("document_created", "document_updated")
        }
        resumed = await harness.sync(source, "full", checkpoint=checkpoint, is_resume=True)
        assert resumed.status == "completed", f"resume ended {resumed.status}: {resumed.error}"
        missing = set(first.document_ids) - before - set(resumed.document_ids)
        assert not missing, f"the resumed run skipped documents: {sorted(missing)[:10]}"


async def check_cancellation(
    connector: Connector[Any, Any], config: dict[str, Any], credentials: dict[str, Any]
) -> None:
    async with ConnectorHarness(connector, flush_policies=SMALL_BATCHES) as harness:
        source = harness.add_source(config=config, credentials=credentials)
        result = await harness.sync(source, "full", cancel_after_batches=1)
        assert result.outcome == "stopped", f"a cancelled run ended {result.outcome}"
        assert result.status == "cancelled", "the SDK reported an outcome for a cancelled run"
        assert result.run.batches == 1, "events were accepted after the cancellation"


async def check_bad_credentials(
    connector: Connector[Any, Any], config: dict[str, Any], bad_credentials: dict[str, Any]
) -> None:
    async with ConnectorHarness(connector) as harness:
        source = harness.add_source(config=config, credentials=bad_credentials)
        result = await harness.sync(source, "full")
        assert result.status == "failed", f"bad credentials ended {result.status}"
        assert (result.error or "").startswith("configuration:"), result.error


class ConnectorConformance:
    """Mix-in of conformance tests; pytest collects them in a subclass named ``Test...``."""

    min_documents = 1

    def make_connector(self) -> Connector[Any, Any]:
        raise NotImplementedError

    def source_config(self) -> dict[str, Any]:
        return {}

    def source_credentials(self) -> dict[str, Any]:
        return {}

    def bad_credentials(self) -> dict[str, Any] | None:
        """Credentials the source refuses; None skips that check."""
        return None

    def test_conformance_manifest_is_valid(self) -> None:
        check_manifest(self.make_connector())

    async def test_conformance_full_sync_emits_then_completes(self) -> None:
        await check_full_sync(
            self.make_connector(),
            self.source_config(),
            self.source_credentials(),
            min_documents=self.min_documents,
        )

    async def test_conformance_resume_continues_from_checkpoint(self) -> None:
        await check_resume(self.make_connector(), self.source_config(), self.source_credentials())

    async def test_conformance_cancellation_is_honoured(self) -> None:
        await check_cancellation(
            self.make_connector(), self.source_config(), self.source_credentials()
        )

    async def test_conformance_bad_credentials_fail_as_configuration_error(self) -> None:
        bad = self.bad_credentials()
        if bad is None:
            raise unittest.SkipTest("no bad credentials given for this connector")
        await check_bad_credentials(self.make_connector(), self.source_config(), bad)
