"""``python -m connectors.filesystem``: serve the filesystem connector.

Settings come from SLUICE_* variables (``sdk.settings.ConnectorSettings``).
"""

from connectors.filesystem.connector import FilesystemConnector

if __name__ == "__main__":
    FilesystemConnector().serve()
