"""``python -m sluice_connector_filesystem``: serve the filesystem connector.

Settings come from SLUICE_* variables (``sluice_sdk.settings.ConnectorSettings``).
"""

from sluice_connector_filesystem.connector import FilesystemConnector

if __name__ == "__main__":
    FilesystemConnector().serve()
