"""``python -m sluice_connector_declarative``: serve the declarative runtime (SLUICE_* settings)."""

from sluice_connector_declarative.connector import DeclarativeConnector

if __name__ == "__main__":
    DeclarativeConnector().serve()
