"""The queue page: depth, dead letters with their error, retry one or all."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import insert_queue_row
from tests.integration.console.html_audit import audit


async def test_dead_letters_show_their_error_and_can_be_retried(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    first = await insert_queue_row(
        db_pool, "src-q", status="dead_letter", attempts=5, key="a", last_error="<b>boom</b>"
    )
    await insert_queue_row(db_pool, "src-q", status="dead_letter", attempts=5, key="b")
    await insert_queue_row(db_pool, "src-q", status="pending", key="c")

    html = await (await client.get("/ui/queue")).text()
    page = audit(html)
    assert (page.ids["queue-dead_letter"], page.ids["queue-pending"]) == ("2", "1")
    assert "&lt;b&gt;boom&lt;/b&gt;" in html
    assert ">Retry all</button>" in html

    resp = await client.post("/ui/queue/retry", data={"csrf_token": csrf, "seq": str(first)})
    assert "1 dead letter(s) requeued." in await resp.text()
    status = "SELECT status FROM event_queue WHERE seq = $1"
    assert await db_pool.fetchval(status, first) == "pending"

    resp = await client.post("/ui/queue/retry", data={"csrf_token": csrf, "all": "true"})
    assert "1 dead letter(s) requeued." in await resp.text()
    left = "SELECT count(*) FROM event_queue WHERE status = 'dead_letter'"
    assert await db_pool.fetchval(left) == 0
    bad = await client.post("/ui/queue/retry", data={"csrf_token": csrf, "seq": "x"})
    assert bad.status == 400
