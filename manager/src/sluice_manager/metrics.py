"""Unauthenticated ``GET /metrics`` (§2.4): Prometheus text exposition from a per-app registry.

Gauges (registry size, runs by status, queue depth by status) are read from the database at scrape
time; request latency is observed by a middleware. A per-app ``CollectorRegistry`` keeps test apps
and replicas in one process from sharing counters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from sluice_manager.http.errors import HttpError
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_sql.query_loader import QUERIES

_RUN_STATUSES = ("running", "completed", "failed", "cancelled")
_QUEUE_STATUSES = ("pending", "processing", "completed", "dead_letter")


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    connectors: Gauge
    runs: Gauge
    queue: Gauge
    latency: Histogram

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            connectors=Gauge(
                "sluice_connectors",
                "Registered connectors by liveness (protocol §8.1).",
                ["state"],
                registry=registry,
            ),
            runs=Gauge("sluice_sync_runs", "Sync runs by status.", ["status"], registry=registry),
            queue=Gauge(
                "sluice_queue_rows", "Event queue rows by status.", ["status"], registry=registry
            ),
            latency=Histogram(
                "sluice_http_request_duration_seconds",
                "HTTP request latency by route.",
                ["method", "route", "status"],
                registry=registry,
            ),
        )


METRICS = web.AppKey("metrics", Metrics)


def _route(request: web.Request) -> str:
    # The route template, not the concrete path, keeps the label set bounded.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe_latency(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except HttpError as exc:
        status = exc.status
        raise
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[METRICS].latency.labels(request.method, _route(request), str(status)).observe(
            time.perf_counter() - started
        )


async def _refresh(app: web.Application) -> None:
    pool = app[POOL]
    metrics = app[METRICS]
    counts = await pool.fetchrow(
        QUERIES.select_registry_counts, app[CLOCK].now(), app[SETTINGS].registry_ttl_seconds
    )
    metrics.connectors.labels("online").set(counts["online"])
    metrics.connectors.labels("offline").set(counts["offline"])
    runs = dict.fromkeys(_RUN_STATUSES, 0)
    for row in await pool.fetch(QUERIES.select_run_counts_by_status):
        runs[row["status"]] = row["n"]
    for status, n in runs.items():
        metrics.runs.labels(status).set(n)
    queue = dict.fromkeys(_QUEUE_STATUSES, 0)
    for row in await pool.fetch(QUERIES.select_queue_counts_by_status):
        queue[row["status"]] = row["n"]
    for status, n in queue.items():
        metrics.queue.labels(status).set(n)


async def metrics_endpoint(request: web.Request) -> web.Response:
    await _refresh(request.app)
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup(app: web.Application) -> None:
    app[METRICS] = Metrics.create()
    app.middlewares.append(observe_latency)
    app.router.add_get("/metrics", metrics_endpoint)
