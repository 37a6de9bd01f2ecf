"""MCP tokens (docs/mcp.md): bearer tokens an admin mints for MCP clients, which open ``/mcp`` and
nothing else. Stored in ``scoped_tokens`` with kind ``mcp``, as a digest, listed and revoked like
scoped connector tokens; the admin token keeps working on ``/mcp`` too."""
