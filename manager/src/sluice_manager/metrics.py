"""The manager's Prometheus metrics (§2.4), one ``CollectorRegistry`` per app.

Gauges (registry size, runs by status, queue depth by status) are read from the database when
scraped; request latency is observed by the app's middleware (``sluice_manager.http.middleware``)
through ``RequestLatency``. A per-app registry keeps test apps and replicas in one process from
sharing counters. ``GET /metrics`` itself is served by ``sluice_manager.admin.probes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from sluice_manager.services import Services
from sluice_sql.query_loader import QUERIES

_RUN_STATUSES = ("running", "completed", "failed", "cancelled")
_QUEUE_STATUSES = ("pending", "processing", "completed", "dead_letter")


class RequestLatency:
    """``sluice_http_request_duration_seconds``, one label child per (method, route, status).

    Looking a child up by its label values costs more than the observation itself, so each is
    looked up once and kept, keyed by the matched route object (the label is its template, which
    keeps the label set bounded).
    """

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram
        self._children: dict[tuple[str, object, int], Histogram] = {}

    def observe(self, request: web.Request, status: int, seconds: float) -> None:
        match_info = request.match_info
        key = (request.method, match_info.route, status)
        child = self._children.get(key)
        if child is None:
            child = self._histogram.labels(request.method, _route(match_info), str(status))
            self._children[key] = child
        child.observe(seconds)


def _route(match_info: web.UrlMappingMatchInfo) -> str:
    resource = match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    connectors: Gauge
    runs: Gauge
    queue: Gauge
    latency: RequestLatency

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry(auto_describe=True)
        histogram = Histogram(
            "sluice_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["method", "route", "status"],
            registry=registry,
        )
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
            latency=RequestLatency(histogram),
        )

    async def refresh(self, services: Services) -> None:
        """Set the gauges from the database, as of the services' clock."""
        pool = services.pool
        counts = await pool.fetchrow(
            QUERIES.select_registry_counts,
            services.clock.now(),
            services.settings.registry_ttl_seconds,
        )
        self.connectors.labels("online").set(counts["online"])
        self.connectors.labels("offline").set(counts["offline"])
        runs = dict.fromkeys(_RUN_STATUSES, 0)
        for row in await pool.fetch(QUERIES.select_run_counts_by_status):
            runs[row["status"]] = row["n"]
        for status, n in runs.items():
            self.runs.labels(status).set(n)
        queue = dict.fromkeys(_QUEUE_STATUSES, 0)
        for row in await pool.fetch(QUERIES.select_queue_counts_by_status):
            queue[row["status"]] = row["n"]
        for status, n in queue.items():
            self.queue.labels(status).set(n)

    def exposition(self) -> bytes:
        """The Prometheus text exposition of this app's registry."""
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", Metrics)


def setup(app: web.Application) -> Metrics:
    """Create the app's metrics (``METRICS``); the app's middleware observes request latency
    through the returned object's ``latency``."""
    metrics = app[METRICS] = Metrics.create()
    return metrics
