"""Schemathesis fuzz of the admin API and the §4.7 SDK routes: no input produces a 5xx.

The app serves on a real port on the test's loop; schemathesis (synchronous, ``requests``) runs
in a worker thread against it. Bounded: a few examples per operation, positive and negative.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.integration.admin.factories import ADMIN, SDK, make_app, register_connector
from tests.support.http import free_port

# Admin routes, and the SDK routes this area owns; the progress stream is left out because a
# generated id of a running run would stream until the run ends.
IN_SCOPE = r"^/api/(?!sync-runs/\{id\}/progress)|^/sdk/(source/|sources/|credentials/)"
EXAMPLES = 8


def _probe(operation: Any, mode: GenerationMode, base: str, failures: list[str]) -> None:
    headers = ADMIN if operation.path.startswith("/api") else SDK

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def probe(case: Any) -> None:
        response = case.call(base_url=base, headers=headers, timeout=15)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:200]} (body={case.body!r})"
            )

    probe()


def _fuzz(base: str) -> tuple[set[str], list[str]]:
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json", headers=ADMIN, timeout=10)
    failures: list[str] = []
    covered: set[str] = set()
    for result in schema.include(path_regex=IN_SCOPE).get_all_operations():
        operation = result.ok()
        covered.add(f"{operation.method.upper()} {operation.path}")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _probe(operation, mode, base, failures)
    return covered, failures


async def test_no_input_produces_a_server_error(db_pool: asyncpg.Pool) -> None:
    await register_connector(
        db_pool,
        config_schema={"type": "object", "properties": {"n": {"type": "integer"}}},
        actions=[{"name": "lookup", "input_schema": {}, "mode": "read"}],
    )
    runner = web.AppRunner(make_app(db_pool))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        covered, failures = await asyncio.wait_for(
            asyncio.to_thread(_fuzz, f"http://127.0.0.1:{port}"), timeout=110
        )
    finally:
        await runner.cleanup()
    assert failures == []
    # Not vacuous: the admin surface and the §4.7 reads were all exercised.
    for expected in (
        "POST /api/sources",
        "PATCH /api/sources/{id}",
        "POST /api/sources/{id}/actions/{action}",
        "POST /api/descriptors",
        "POST /api/descriptors/validate",
        "PATCH /api/descriptors/{slug}/{version}",
        "POST /api/sources/{id}/oauth/start",
        "GET /api/oauth/callback",
        "POST /api/queue/dead-letters/requeue",
        "PUT /sdk/source/{source_id}/connector-state",
        "GET /sdk/sources/by-type/{source_type}",
    ):
        assert expected in covered
