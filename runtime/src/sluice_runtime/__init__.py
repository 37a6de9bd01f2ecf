"""What every Sluice server process shares: log set-up, event loop, clock and interruptible waits.

The manager, the indexer and the ``sluice`` command import it; connectors never do (the SDK
installs alone and sets up a connector process itself).
"""
