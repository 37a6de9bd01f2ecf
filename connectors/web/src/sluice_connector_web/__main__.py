"""``python -m sluice_connector_web``: serve the web connector (settings: SLUICE_* variables)."""

from sluice_connector_web.connector import WebConnector

if __name__ == "__main__":
    WebConnector().serve()
