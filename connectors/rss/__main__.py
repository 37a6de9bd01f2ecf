"""``python -m connectors.rss``: serve the rss connector (settings from SLUICE_* variables)."""

from connectors.rss.connector import RssConnector

if __name__ == "__main__":
    RssConnector().serve()
