"""``/ui/queue``: depth by status and source, dead letters with their error, retry."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.console.render import form, render, see_other, services_of
from sluice_manager.http.errors import HttpError
from sluice_manager.queue.depth import queue_depth, requeue_dead_letters
from sluice_sql.query_loader import QUERIES

DEAD_LETTER_LIMIT = 200


async def queue(request: web.Request) -> web.Response:
    services = services_of(request)
    depth = await queue_depth(services.pool, services.clock.now())
    letters = await services.pool.fetch(QUERIES.select_dead_letters, None, DEAD_LETTER_LIMIT)
    requeued = request.query.get("requeued")
    context = {"depth": depth, "letters": letters, "requeued": requeued}
    return render(request, "queue.html.j2", context)


async def retry(request: web.Request) -> web.Response:
    data = await form(request)
    services = services_of(request)
    now = services.clock.now()
    if data.get("all") == "true":
        count = await requeue_dead_letters(services.pool, now)
    else:
        seq = data.get("seq", "")
        if not seq.isdigit() or not 1 <= int(seq) <= 2**63 - 1:
            raise HttpError(400, "seq must be a queue sequence number")
        count = await requeue_dead_letters(services.pool, now, seqs=[int(seq)])
    return see_other("/ui/queue", {"requeued": str(count)})


def setup(app: web.Application) -> None:
    app.router.add_get("/queue", queue)
    app.router.add_post("/queue/retry", retry)
