"""The one table from domain errors to HTTP statuses.

Domain code raises its own errors with their data on attributes and a ``message`` a client may
read; it never picks a status. The middleware answers a domain error found here with its status and
``message`` in the error envelope (protocol §1.3), and any other as an internal error (500). A
subclass answers like the nearest class listed.

Driver errors a handler lets through have their own small table (``driver_answer``): routes use the
pool directly, so the HTTP layer is where they meet a client.
"""

from __future__ import annotations

import aiohttp
import asyncpg

from sluice_manager.actions.errors import (
    ActionRefused,
    ConnectorOffline,
    NoCredential,
    UnusableManifest,
)
from sluice_manager.catalog.errors import (
    DescriptorImmutable,
    DescriptorInvalid,
    DescriptorNotFound,
    StatusTransitionRefused,
)
from sluice_manager.connector_client import ConnectorTransportError
from sluice_manager.connector_configs import ConnectorConfigNotFound
from sluice_manager.connector_tokens.errors import OutOfScope, TokenNotFound, TokenTypesUnknown
from sluice_manager.errors import ManagerError
from sluice_manager.extraction.availability import ReaderMissing
from sluice_manager.queue.writer import EventsRejected
from sluice_manager.registry.errors import ConnectorNotFound, ConnectorOnline
from sluice_manager.registry.registration import RegistrationRejected
from sluice_manager.runs.errors import TriggerError, TriggerErrorKind
from sluice_manager.sources.errors import (
    InvalidPin,
    InvalidPinnedSource,
    InvalidSource,
    OAuthRefused,
    PinArchived,
    SourceNotFound,
    UnknownSourceType,
    UpstreamFailed,
)

STATUS_OF_ERROR: dict[type[ManagerError], int] = {
    SourceNotFound: 404,
    InvalidSource: 400,
    UnknownSourceType: 422,  # no connector declares it (unless allow_unknown_type)
    RegistrationRejected: 400,  # §4.1
    EventsRejected: 400,  # §4.2 steps 3-5
    ReaderMissing: 501,  # §4.5: a format this installation cannot read
    ConnectorTransportError: 502,  # §3.6: an action relay that reached no connector
    DescriptorInvalid: 422,  # with the validation problems
    DescriptorNotFound: 404,
    DescriptorImmutable: 409,  # a published version never changes
    StatusTransitionRefused: 409,  # draft → published → archived only
    InvalidPin: 400,  # unknown descriptor version, another slug, a source not declarative
    PinArchived: 409,  # an archived version keeps its sources but takes no new ones
    InvalidPinnedSource: 400,  # config or credentials against the descriptor, with the problems
    UpstreamFailed: 422,  # the described API refused the source (user input), upstream_status
    OAuthRefused: 400,  # a consent that cannot start; an unknown, used or expired state
    ActionRefused: 400,  # §6.7: not this source's action, a write on read-only, bad parameters
    ConnectorOffline: 404,  # §6.7: no online connector serves the source's type
    NoCredential: 404,
    UnusableManifest: 502,
    OutOfScope: 403,  # §2: a scoped connector token beyond its connector and types
    TokenNotFound: 404,
    TokenTypesUnknown: 422,  # a token for an unregistered connector needs its source types
    ConnectorNotFound: 404,
    ConnectorOnline: 409,  # only an offline connector may be deleted
    ConnectorConfigNotFound: 404,  # §4.7
}

# §4.10 (and §9.6 for the admin trigger): a trigger that started no run, by why not.
STATUS_OF_TRIGGER: dict[TriggerErrorKind, int] = {
    "source_missing": 404,
    "inactive": 400,
    "no_connector": 404,
    "realtime_unsupported": 400,
    "invalid_config": 400,
    "slot_busy": 409,
    "global_cap": 409,
    "slot_cap": 409,
    "dispatch_failed": 502,
    "realtime_unavailable": 400,
}


def status_of(error: ManagerError) -> int | None:
    """The status ``error`` is answered with; None when no client should see it (a 500)."""
    if isinstance(error, TriggerError):
        return STATUS_OF_TRIGGER[error.kind]
    for cls in type(error).__mro__:
        status = STATUS_OF_ERROR.get(cls)
        if status is not None:
            return status
    return None


# While Postgres cannot be reached (refused, cut off, restarting, out of connections) every route
# answers 503 with Retry-After (§1.3), which clients retry: an outage is not the request's fault.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # connecting: refused, unreachable, a host name that does not resolve
    TimeoutError,  # connecting, or a statement beyond the pool's command timeout
    asyncpg.PostgresConnectionError,  # class 08: the session failed or was cut mid-statement
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down, in recovery
    asyncpg.AdminShutdownError,  # 57P01: stopped while the session was open
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
)
# The one refusal a client causes in the driver: a string Postgres text and jsonb cannot hold.
UNSTORABLE_TEXT: tuple[type[BaseException], ...] = (
    asyncpg.CharacterNotInRepertoireError,  # 22021: U+0000 in a text parameter
    asyncpg.UntranslatableCharacterError,  # 22P05: \u0000 in json text
)
DATABASE_UNAVAILABLE_MESSAGE = "database unavailable"
UNSTORABLE_TEXT_MESSAGE = "strings must not contain NUL characters (U+0000)"


def driver_answer(error: Exception) -> tuple[int, str] | None:
    """(status, message) for a driver error a client may be told of; None for a 500."""
    if isinstance(error, aiohttp.ClientError):  # OSError too, but a call to another service
        return None
    # A bare InterfaceError is asyncpg's "connection is closed" or "pool is closed"; its
    # subclasses are client-side mistakes (a value of the wrong type), which stay 500.
    if type(error) is asyncpg.InterfaceError or isinstance(error, DATABASE_UNAVAILABLE):
        return 503, DATABASE_UNAVAILABLE_MESSAGE
    if isinstance(error, UNSTORABLE_TEXT):
        return 422, UNSTORABLE_TEXT_MESSAGE
    return None
