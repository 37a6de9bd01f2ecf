"""The one table from domain errors to HTTP statuses.

Domain code raises its own errors with their data on attributes and a ``message`` a client may
read; it never picks a status. The middleware answers a domain error found here with its status and
``message`` in the error envelope (protocol §1.3), and any other as an internal error (500). A
subclass answers like the nearest class listed.
"""

from __future__ import annotations

from sluice_manager.catalog.errors import (
    DescriptorImmutable,
    DescriptorInvalid,
    DescriptorNotFound,
    StatusTransitionRefused,
)
from sluice_manager.connector_client import ConnectorTransportError
from sluice_manager.errors import ManagerError
from sluice_manager.extraction.availability import ReaderMissing
from sluice_manager.queue.writer import EventsRejected
from sluice_manager.registry.registration import RegistrationRejected
from sluice_manager.runs.errors import TriggerError, TriggerErrorKind
from sluice_manager.sources.errors import (
    InvalidPin,
    InvalidPinnedSource,
    InvalidSource,
    OAuthRefused,
    PinArchived,
    SourceNotFound,
    UpstreamFailed,
)

STATUS_OF_ERROR: dict[type[ManagerError], int] = {
    SourceNotFound: 404,
    InvalidSource: 400,
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
