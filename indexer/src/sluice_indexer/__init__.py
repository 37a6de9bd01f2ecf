"""The indexer worker: drains ``event_queue`` into ``documents`` (protocol §10)."""
