"""Tool results: what a model reads back from a tool call.

An action's failure is a result with ``isError`` (the model sees it and may correct itself), never
a protocol error: the connector's own error answer, a refusal of the manager (``problems``
included), an offline or unreachable connector.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
import orjson

from sluice_manager.actions import ActionReply


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def success(value: Any) -> types.CallToolResult:
    """``value`` as JSON text, and as structured content when it is an object."""
    return types.CallToolResult(
        content=[types.TextContent(text=_json(value))],
        structured_content=value if isinstance(value, dict) else None,
    )


def failure(message: str, details: dict[str, Any] | None = None) -> types.CallToolResult:
    text = message if not details else f"{message}\n{_json(details)}"
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


def _decoded(reply: ActionReply) -> Any:
    try:
        return orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        return reply.body.decode("utf-8", errors="replace")


def action_result(reply: ActionReply) -> types.CallToolResult:
    """A connector's answer (§3.6 ActionResponse, or whatever an older connector sends): the
    ``result`` of a success; else an error result with the connector's ``error``."""
    body = _decoded(reply)
    shaped = isinstance(body, dict) and body.get("status") in ("success", "error")
    if 200 <= reply.status < 300 and not (shaped and body["status"] == "error"):
        return success(body.get("result") if shaped else body)
    message = body.get("error") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = body if isinstance(body, str) and body else _json(body)
    return failure(f"the action failed (connector answered {reply.status}): {message}")
