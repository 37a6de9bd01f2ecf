"""``python -m sluice_connector_rss``: serve the rss connector (settings: SLUICE_* variables)."""

from sluice_connector_rss.connector import RssConnector

if __name__ == "__main__":
    RssConnector().serve()
