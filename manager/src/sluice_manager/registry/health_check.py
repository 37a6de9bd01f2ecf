"""The registration health check (protocol §4.1 step 6): ``GET {connector_url}/health``."""

from __future__ import annotations

import aiohttp
import structlog

log = structlog.get_logger(__name__)


async def connector_healthy(
    session: aiohttp.ClientSession, connector_url: str, token: str | None, timeout_seconds: float
) -> bool:
    """True when the connector answers 2xx; redirects are never followed (§3.1)."""
    url = connector_url.rstrip("/") + "/health"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with session.get(
            url,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            healthy = 200 <= response.status < 300
            if not healthy:
                log.info("connector_health_check_failed", url=url, status=response.status)
            return healthy
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.info("connector_health_check_failed", url=url, error=repr(exc))
        return False
