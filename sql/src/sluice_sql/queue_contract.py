"""Names the manager and the indexer share through the queue (protocol §10), defined once.

Both servers import the data layer, so the names live here; the named queries take them as
parameters. Migration 0007's ``sluice_enqueue_events`` spells the channel as a literal, and a
landed migration is never edited: ``tests/integration/test_queue_contract.py`` proves that the
function notifies on exactly ``EVENTS_CHANNEL``.
"""

from __future__ import annotations

from typing import Final

EVENTS_CHANNEL: Final = "sluice_events"
"""The NOTIFY channel that wakes the indexers when enqueued rows commit; the payload is the
source_id (§10.4)."""

SWEEP_EVENT_TYPE: Final = "full_sync_sweep"
"""``event_queue.event_type`` of the full-sync pruning request a full run's completion enqueues
(§10.7)."""
