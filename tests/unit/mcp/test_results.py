"""A connector's answer as a tool result: errors are results with isError, never protocol errors."""

from __future__ import annotations

import mcp_types as types

from sluice_manager.actions import ActionReply
from sluice_manager.mcp.results import action_result, failure


def _text(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


def test_success_carries_the_result_as_text_and_structured_content() -> None:
    reply = ActionReply(200, b'{"status":"success","result":{"n":1}}', "application/json")
    result = action_result(reply)
    assert not result.is_error
    assert result.structured_content == {"n": 1}
    assert _text(result) == '{"n":1}'
    listed = action_result(ActionReply(200, b'{"status":"success","result":[1]}', "x"))
    assert (listed.structured_content, _text(listed)) == (None, "[1]")


def test_errors_of_the_connector_are_error_results_with_its_message() -> None:
    shaped = action_result(ActionReply(400, b'{"status":"error","error":"quota"}', "x"))
    assert shaped.is_error
    assert _text(shaped) == "the action failed (connector answered 400): quota"
    in_200 = action_result(ActionReply(200, b'{"status":"error","error":"nope"}', "x"))
    assert in_200.is_error
    plain = action_result(ActionReply(502, b"bad gateway", "text/plain"))
    assert plain.is_error
    assert _text(plain).endswith(": bad gateway")
    assert failure("refused", {"problems": [1]}).content[0].text == 'refused\n{"problems":[1]}'  # type: ignore[union-attr]
