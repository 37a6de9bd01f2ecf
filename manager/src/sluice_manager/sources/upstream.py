"""A declarative source's credentials tried against its API: the auth profile's test endpoint.

Runs when a source is created or its pin, config or credentials change (a failure refuses the
write) and on demand (``POST /api/sources/{id}/test``). The described API is the user's input,
so a refusal or no answer at all is the user's problem to fix (422), never the manager's (5xx).
"""

from __future__ import annotations

import asyncio

import aiohttp
import structlog

from sluice_descriptor.client import run_test_endpoint
from sluice_descriptor.client.errors import ClientError
from sluice_manager.services import Services
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources import pinning
from sluice_manager.sources.errors import InvalidPin, SourceNotFound, UpstreamFailed
from sluice_manager.sources.models import SourceTestResult
from sluice_manager.sources.pinning import CheckedInput, Pinned
from sluice_manager.sources.repository import get_source
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


async def try_credentials(
    settings: ManagerSettings, pinned: Pinned, checked: CheckedInput
) -> SourceTestResult:
    """Call the profile's test endpoint once; never raises for what the upstream does."""
    profile = checked.profile
    if profile.test_endpoint is None:
        return SourceTestResult(
            tested=False, ok=True, message=f"auth profile {profile.type} has no test_endpoint"
        )
    credentials = checked.credential.credentials
    if profile.type == "oauth2_authorization_code" and not credentials.get("access_token"):
        return SourceTestResult(
            tested=False, ok=True, message="no access token yet: complete the OAuth consent first"
        )
    limit = settings.upstream_check_timeout_seconds
    try:
        async with (
            asyncio.timeout(limit),
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=limit)) as session,
        ):
            outcome = await run_test_endpoint(
                pinned.descriptor, profile.type, checked.config, credentials, session
            )
    except TimeoutError:
        return SourceTestResult(
            tested=True, ok=False, message=f"the test endpoint did not answer within {limit:g} s"
        )
    except (ClientError, aiohttp.ClientError, OSError) as exc:
        return SourceTestResult(tested=True, ok=False, message=f"the test endpoint failed: {exc}")
    log.info(
        "source_credentials_tested",
        descriptor=pinned.slug,
        version=pinned.version,
        ok=outcome.ok,
        upstream_status=outcome.status,
    )
    return SourceTestResult(
        tested=True, ok=outcome.ok, upstream_status=outcome.status, message=outcome.message
    )


def require_passing(result: SourceTestResult) -> None:
    """UpstreamFailed (422, with the upstream status) when the test ran and failed."""
    if result.tested and not result.ok:
        raise UpstreamFailed(
            f"the credentials test failed: {result.message}", result.upstream_status
        )


async def run_source_test(services: Services, source_id: str) -> SourceTestResult:
    """The stored source's test, on demand: UpstreamFailed when it fails, nothing changed but the
    credential's ``last_validated_at`` when it passes."""
    pool = services.pool
    rec = await get_source(pool, source_id)
    if rec is None or rec.is_deleted:
        raise SourceNotFound(source_id)
    pinned = await pinning.pinned_of(pool, rec)
    if pinned is None:
        raise InvalidPin(f"source {source_id} is not declarative: it has no test endpoint")
    stored = await pinning.stored_credential(pool, source_id, services.secrets)
    checked = pinning.check_input(
        pinned, rec.config or {}, stored, stored.auth_type if stored is not None else ""
    )
    result = await try_credentials(services.settings, pinned, checked)
    require_passing(result)
    if result.tested:
        await pool.execute(QUERIES.update_credential_validated, source_id, services.clock.now())
    return result
