"""``sluice dead-letters`` and ``sluice token`` against a manager process."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Stack
from tests.integration.admin.factories import insert_queue_row

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


async def test_dead_letters_are_listed_and_retried(stack: Stack) -> None:
    empty = await stack.run("dead-letters", "list")
    assert (empty.code, empty.out) == (0, "no dead letters\n"), empty.err
    first = await insert_queue_row(
        stack.pool, "src-a", status="dead_letter", attempts=5, last_error="extraction exploded"
    )
    second = await insert_queue_row(stack.pool, "src-b", status="dead_letter", key="doc-2")

    listed = await stack.run("dead-letters", "list")
    assert listed.code == 0, listed.err
    row = next(line for line in listed.out.splitlines() if "extraction exploded" in line)
    assert row.split()[:2] == [str(first), "src-a"]
    as_json = (await stack.run("dead-letters", "list", "--source", "src-b", "--json")).json()
    assert [(d["seq"], d["entity_key"]) for d in as_json] == [(second, "doc-2")]

    unsure = await stack.run("dead-letters", "retry")
    assert unsure.code == 2
    assert "give SEQ numbers, --source ID or --all" in unsure.err
    retried = await stack.run("dead-letters", "retry", str(first))
    assert retried.out == "1 dead letter(s) back in the queue\n", retried.err
    status = await stack.pool.fetchval("SELECT status FROM event_queue WHERE seq = $1", first)
    assert status == "pending"
    rest = (await stack.run("dead-letters", "retry", "--all", "--json")).json()
    assert rest == {"requeued": 1}
    assert (await stack.run("dead-letters", "list", "--json")).json() == []
    depth = (await stack.run("queue", "--json")).json()
    assert depth["counts"]["pending"] == 2


async def test_connector_and_mcp_tokens(stack: Stack) -> None:
    created = await stack.run(
        "token", "create", "--connector", "files", "--source-type", "filesystem", "--json"
    )
    minted = created.json()
    assert minted["token"].startswith("slc_")
    assert minted["source_types"] == ["filesystem"]
    quiet = await stack.run("token", "create", "--mcp", "--name", "assistant", "-q")
    assert quiet.code == 0, quiet.err
    mcp_token = quiet.out.strip()
    assert len(quiet.out.split()) == 1

    connector_tokens = (await stack.run("token", "list", "--json")).json()
    assert [(t["id"], t["kind"]) for t in connector_tokens] == [(minted["id"], "connector")]
    assert "token" not in connector_tokens[0]
    [mcp] = (await stack.run("token", "list", "--mcp", "--json")).json()
    assert (mcp["kind"], mcp["name"], mcp["revoked_at"]) == ("mcp", "assistant", None)
    listing = await stack.run("token", "list", "--mcp")
    assert listing.out.split()[:2] == [mcp["id"], "mcp"]
    assert mcp_token not in listing.out

    revoked = await stack.run("token", "revoke", "--mcp", mcp["id"])
    assert revoked.out == f"MCP token {mcp['id']} is revoked\n", revoked.err
    [after] = (await stack.run("token", "list", "--mcp", "--json")).json()
    assert after["revoked_at"] is not None
    gone = await stack.run("token", "revoke", minted["id"], "--json")
    assert gone.json()["revoked_at"] is not None
    wrong = await stack.run("token", "create")
    assert wrong.code == 2
    assert "--connector" in wrong.err
