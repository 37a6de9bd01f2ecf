"""The Sluice connector SDK. A connector imports what it needs from here.

from sdk import Connector, SyncContext
"""

from sdk.buffer import DEFAULT_FLUSH_POLICIES, FlushPolicy
from sdk.client import ManagerClient
from sdk.connector import ActionContext, Connector, NoConfig, NoCredentials, action
from sdk.context import SyncContext
from sdk.errors import (
    ConfigurationError,
    ConnectorError,
    InternalError,
    ManagerError,
    ManagerHttpError,
    ManagerUnavailable,
    RunNotRunning,
    SdkError,
    SourceHttpError,
    SyncCancelled,
    SyncStopped,
    TransientError,
)
from sdk.models import DocumentMetadata, DocumentPermissions
from sdk.retry import RetryPolicy
from sdk.settings import ConnectorSettings

__all__ = [
    "DEFAULT_FLUSH_POLICIES",
    "ActionContext",
    "ConfigurationError",
    "Connector",
    "ConnectorError",
    "ConnectorSettings",
    "DocumentMetadata",
    "DocumentPermissions",
    "FlushPolicy",
    "InternalError",
    "ManagerClient",
    "ManagerError",
    "ManagerHttpError",
    "ManagerUnavailable",
    "NoConfig",
    "NoCredentials",
    "RetryPolicy",
    "RunNotRunning",
    "SdkError",
    "SourceHttpError",
    "SyncCancelled",
    "SyncContext",
    "SyncStopped",
    "TransientError",
    "action",
]
