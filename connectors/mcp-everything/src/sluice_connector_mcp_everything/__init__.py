"""The tools of an MCP server (``@modelcontextprotocol/server-everything``) as a Sluice source's
actions (type ``mcp_everything``): the reference for ``sluice_sdk.mcp``."""
