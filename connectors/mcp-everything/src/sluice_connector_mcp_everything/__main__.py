"""``python -m sluice_connector_mcp_everything``: serve the connector (settings: SLUICE_* variables,
and MCP_EVERYTHING_COMMAND for the stdio server's command line)."""

from sluice_connector_mcp_everything.config import EverythingSettings
from sluice_connector_mcp_everything.connector import EverythingConnector

if __name__ == "__main__":
    EverythingConnector(EverythingSettings().command_line()).serve()
