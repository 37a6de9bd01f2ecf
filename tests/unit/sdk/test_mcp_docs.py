"""The example of docs/sdk-mcp.md runs: a server per source, from its config and credentials."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sluice_sdk.mcp import HttpMcpServer, StdioMcpServer

DOC = Path(__file__).resolve().parents[3] / "docs" / "sdk-mcp.md"


def test_the_docs_example_builds_the_server_of_each_source() -> None:
    text = DOC.read_text()
    [block] = re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)
    namespace: dict[str, Any] = {"__name__": "sdk_mcp_example"}
    exec(compile(block, str(DOC), "exec", dont_inherit=True), namespace)
    connector = namespace["TicketsConnector"]()
    config, credentials = connector.config_model, connector.credentials_model
    assert connector.mcp_server(None, None) == StdioMcpServer(
        "tickets-mcp-server", ["stdio"], env={"TICKETS_API_KEY": ""}
    )
    assert connector.mcp_server(
        config.model_validate({"transport": "http"}), credentials.model_validate({"api_key": "k"})
    ) == HttpMcpServer("https://tickets.example.com/mcp", headers={"Authorization": "Bearer k"})
    manifest = connector.manifest("tickets", "http://127.0.0.1:8000")
    assert (manifest.sync_modes, manifest.actions) == ([], [])  # tools come with discovery
