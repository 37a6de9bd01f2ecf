"""The ``sluice`` command: composes the manager, indexer and connector processes."""
