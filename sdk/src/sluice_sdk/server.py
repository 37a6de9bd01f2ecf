"""The connector's HTTP server (protocol §3): health, manifest, sync, run status, cancel, action.

``ConnectorServer`` owns the manager client, the active runs and the registration loop, and stops
them in order: no new runs, registration stopped, runs cancelled (they flush), client closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
import structlog
from aiohttp import web

from sluice_sdk.active_runs import ActiveRuns, NotAccepting, SlotBusy
from sluice_sdk.buffer import FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import Connector
from sluice_sdk.control import RunControl
from sluice_sdk.mcp.tools import McpDiscovery, require_mcp, uses_mcp
from sluice_sdk.models import ConnectorManifest, SyncMode, SyncRequest
from sluice_sdk.registration import REGISTRATION_INTERVAL_SECONDS, RegistrationLoop
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.runs import RunOutcome, RunTiming, execute_run
from sluice_sdk.server_actions import handle_action
from sluice_sdk.settings import ConnectorSettings

log = structlog.get_logger("sluice_sdk.server")

# §1.3: a POST /sync can carry a checkpoint of up to max_state_bytes (4 MiB) plus 64 KiB.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
_KEPT_OUTCOMES = 1000  # recent run outcomes, for tests and diagnostics


def json_reply(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


class ConnectorServer:
    def __init__(
        self,
        connector: Connector[Any, Any],
        settings: ConnectorSettings,
        *,
        registration_interval: float = REGISTRATION_INTERVAL_SECONDS,
        registration_retry_base: float = 1.0,
        heartbeat_interval: float = 30.0,
        cancel_grace: float = 30.0,
        flush_policies: Mapping[SyncMode, FlushPolicy] | None = None,
        retry: RetryPolicy | None = None,
        shutdown_grace: float = 10.0,
    ) -> None:
        self.connector = connector
        self.settings = settings
        self.connector_id = settings.connector_id or connector.name
        timing = RunTiming(heartbeat_interval=heartbeat_interval, cancel_grace=cancel_grace)
        if flush_policies is not None:
            timing = RunTiming(heartbeat_interval, cancel_grace, dict(flush_policies))
        self.timing = timing
        self.client = ManagerClient(settings.manager_url, settings.outgoing_token, retry=retry)
        self.runs = ActiveRuns(self._launch)
        self.outcomes: OrderedDict[str, RunOutcome] = OrderedDict()
        self.mcp = McpDiscovery(connector) if uses_mcp(connector) else None
        self.registration = RegistrationLoop(
            self.client,
            self.manifest,
            interval=registration_interval,
            retry_base=registration_retry_base,
            prepare=self.mcp,
        )
        self.url = settings.advertised_url()
        self._shutdown_grace = shutdown_grace
        self._runner: web.AppRunner | None = None

    def manifest(self) -> ConnectorManifest:
        return self.connector.manifest(self.connector_id, self.url)

    # --- lifecycle ---------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(
            client_max_size=MAX_REQUEST_BYTES, middlewares=[self._auth_middleware()]
        )
        app.router.add_get("/health", self._health)
        app.router.add_get("/manifest", self._manifest)
        app.router.add_post("/sync", self._sync)
        app.router.add_get("/sync/{sync_run_id}", self._run_status)
        app.router.add_post("/cancel", self._cancel)
        app.router.add_post("/action", self._action)
        return app

    async def start(self, host: str | None = None, port: int | None = None) -> str:
        """Listen, then register (the manager health-checks us on registration, §4.1)."""
        if self.mcp is not None:
            require_mcp()  # before listening: a missing extra is the operator's to fix
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            host or self.settings.listen_host,
            self.settings.port if port is None else port,
        )
        await site.start()
        if port == 0 or (port is None and self.settings.port == 0):
            bound = self._runner.addresses[0][1]
            self.url = self.settings.advertised_url(port=int(bound))
        log.info("connector_listening", connector_id=self.connector_id, url=self.url)
        self.registration.start()
        return self.url

    async def stop(self) -> None:
        """SIGTERM: stop taking runs, flush and leave running runs for the manager to resume."""
        self.runs.accepting = False
        await self.registration.stop()
        await self.runs.shutdown(self._shutdown_grace)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.client.close()
        log.info("connector_stopped", connector_id=self.connector_id)

    async def run_until_signal(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    async def _launch(self, request: SyncRequest, control: RunControl) -> None:
        outcome = await execute_run(
            self.connector, self.client, request, control=control, timing=self.timing
        )
        self.outcomes[request.sync_run_id] = outcome
        while len(self.outcomes) > _KEPT_OUTCOMES:
            self.outcomes.popitem(last=False)

    # --- auth (§2 item 3) --------------------------------------------------------------------

    def _auth_middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        tokens = [t.encode() for t in self.settings.connector_token]
        # A connector with a scoped token checks the manager's token by its digest (§2 item 3).
        digests = [bytes.fromhex(d) for d in self.settings.manager_token_sha256]

        def accepted(given: bytes) -> bool:
            if any(hmac.compare_digest(given, token) for token in tokens):
                return True
            digest = hashlib.sha256(given).digest()
            return any(hmac.compare_digest(digest, known) for known in digests)

        @web.middleware
        async def auth(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            if (tokens or digests) and request.path != "/health":
                header = request.headers.get("Authorization", "")
                given = header[7:].encode() if header.startswith("Bearer ") else b""
                if not accepted(given):
                    response = json_reply({"error": "unauthorized"}, status=401)
                    response.headers["WWW-Authenticate"] = "Bearer"
                    return response
            return await handler(request)

        return auth

    # --- handlers ----------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        return json_reply({"status": "healthy", "service": self.connector.name})

    async def _manifest(self, request: web.Request) -> web.Response:
        return web.Response(body=self.manifest().model_dump_json(), content_type="application/json")

    async def _sync(self, request: web.Request) -> web.Response:
        try:
            sync_request = SyncRequest.model_validate_json(await request.read())
        except ValueError as exc:
            return json_reply({"error": f"invalid sync request: {exc}"}, status=400)
        if sync_request.sync_mode == "realtime" and "realtime" not in self.connector.sync_modes:
            # §3.3: a 404 to a realtime dispatch means "not available"; the run is cancelled.
            return json_reply({"status": "error", "error": "realtime sync not available"}, 404)
        try:
            status = self.runs.start(sync_request)
        except SlotBusy as exc:
            return json_reply({"status": "busy", "error": str(exc)}, status=409)
        except NotAccepting as exc:
            return json_reply({"status": "error", "error": str(exc)}, status=503)
        log.info(
            "sync_accepted",
            source_id=sync_request.source_id,
            sync_run_id=sync_request.sync_run_id,
            status=status,
        )
        return json_reply({"status": status, "message": None})

    async def _run_status(self, request: web.Request) -> web.Response:
        return json_reply({"running": self.runs.is_running(request.match_info["sync_run_id"])})

    async def _cancel(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
            sync_run_id = body["sync_run_id"]
            if not isinstance(sync_run_id, str):
                raise TypeError("sync_run_id must be a string")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            return json_reply({"error": f"invalid cancel request: {exc}"}, status=400)
        if not self.runs.cancel(sync_run_id):
            return json_reply({"status": "not_found"}, status=404)
        log.info("sync_cancel_requested", sync_run_id=sync_run_id)
        return json_reply({"status": "cancelled"})

    async def _action(self, request: web.Request) -> web.Response:
        status, body = await handle_action(self.connector, self.client, await request.read())
        return json_reply(body, status=status)
