"""``python -m connectors.web``: serve the web connector (settings from SLUICE_* variables)."""

from connectors.web.connector import WebConnector

if __name__ == "__main__":
    WebConnector().serve()
