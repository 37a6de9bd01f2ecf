"""The Sluice connector SDK. A connector imports what it needs from here.

from sluice_sdk import Connector, SyncContext
"""

from sluice_sdk.buffer import DEFAULT_FLUSH_POLICIES, FlushPolicy
from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import ActionContext, Connector, NoConfig, NoCredentials, action
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import (
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
from sluice_sdk.models import DocumentMetadata, DocumentPermissions
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.settings import ConnectorSettings

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
