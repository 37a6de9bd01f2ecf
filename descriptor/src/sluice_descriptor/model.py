"""The connector descriptor: every section of the format as pydantic models (docs/descriptor.md).

Field rules (lengths, patterns, enums, defaults) are the seed format's. Unknown keys are errors.
Structural rules live here; rules that relate one part of a descriptor to another (references,
template variables, pagination members per style) live in ``checks.py`` and ``sync_checks.py``,
which report each with its path.
The ``sync`` and ``source_config`` sections are Sluice's additions. The authentication sections
(``auth_model.py``) and the sync section (``sync.py``) have their own modules; every model is
importable from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from sluice_descriptor.auth_model import (
    AUTH_TYPES,
    OAUTH_TYPES,
    SENSITIVE_FIELD_TYPES,
    TOKEN_TYPES,
    AuthProfile,
    AuthType,
    ChainStep,
    ConfigField,
    CredentialChain,
    CredentialField,
    CredentialFieldType,
    OAuthScope,
    OAuthSettings,
    TestEndpoint,
)
from sluice_descriptor.base import DescriptorModel, HttpMethod, SemVer, Url
from sluice_descriptor.sync import (
    PAGINATION_STYLES,
    DatabaseSync,
    Deleted,
    DocumentMapping,
    Incremental,
    Pagination,
    PaginationStyle,
    Permissions,
    Stream,
    SyncSpec,
)

__all__ = [
    "AUTH_TYPES",
    "OAUTH_TYPES",
    "OPERATION_ID_PATTERN",
    "PAGINATION_STYLES",
    "READ_METHODS",
    "SENSITIVE_FIELD_TYPES",
    "SLUG_PATTERN",
    "TOKEN_TYPES",
    "AuthProfile",
    "AuthType",
    "Capabilities",
    "Category",
    "ChainStep",
    "ConfigField",
    "CredentialChain",
    "CredentialField",
    "CredentialFieldType",
    "DatabaseConfig",
    "DatabaseSync",
    "Deleted",
    "Descriptor",
    "DescriptorModel",
    "DocumentMapping",
    "HttpMethod",
    "Incremental",
    "McpConfig",
    "Metadata",
    "OAuthScope",
    "OAuthSettings",
    "Operation",
    "Pagination",
    "PaginationStyle",
    "Parameter",
    "ParameterLocation",
    "ParameterType",
    "Permissions",
    "RateLimit",
    "RateLimitScope",
    "RouteMapping",
    "Sla",
    "Stream",
    "SyncMode",
    "SyncSpec",
    "TestEndpoint",
]

ParameterType = Literal["string", "integer", "boolean", "secret", "password", "json"]
ParameterLocation = Literal["query", "path", "header", "body"]
READ_METHODS = frozenset({"GET", "HEAD"})
Category = Literal["database", "file_storage", "saas", "messaging", "analytics", "custom"]
RateLimitScope = Literal["per_account", "per_user", "per_token", "per_connection"]
SyncMode = Literal["full_refresh", "incremental", "streaming"]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
OPERATION_ID_PATTERN = r"^[a-z0-9_]+$"


class Metadata(DescriptorModel):
    """Identifies the connector in the catalog."""

    name: Annotated[str, Field(min_length=3, max_length=200)]
    """Display name (3-200 characters)."""
    slug: Annotated[str, Field(min_length=3, max_length=100, pattern=SLUG_PATTERN)]
    """Catalog identifier: 3-100 characters, lowercase alphanumeric words joined by hyphens."""
    version: SemVer = "0.1.0"
    """Semantic version of this descriptor (defaults to 0.1.0)."""
    description: Annotated[str, Field(min_length=10, max_length=2000)]
    """What the connector does (10-2000 characters)."""
    summary: Annotated[str, Field(max_length=300)] | None = None
    """Short label for listings (up to 300 characters)."""
    publisher: Annotated[str, Field(min_length=2, max_length=200)]
    """Who publishes the connector (2-200 characters)."""
    documentation_url: Url | None = None
    """URL of the external API's documentation."""
    categories: list[Category] = []
    """One or more of: database, file_storage, saas, messaging, analytics, custom."""
    tags: list[str] = []
    """Free-form labels for search and filtering."""


class Parameter(DescriptorModel):
    """One input of an operation."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    """Parameter identifier (1-100 characters)."""
    location: ParameterLocation
    """query, path, header or body."""
    description: Annotated[str, Field(max_length=500)] | None = None
    """Human-readable description (up to 500 characters)."""
    required: bool = False
    """Whether the caller must supply it."""
    field_type: ParameterType = "string"
    """One of: string, integer, boolean, secret, password, json."""
    default_value: Any = None
    """Value used when the parameter is not supplied."""
    example: Annotated[str, Field(max_length=200)] | None = None
    """Example value (up to 200 characters)."""


class Operation(DescriptorModel):
    """One endpoint of the external API; also callable as a connector action."""

    operation_id: Annotated[str, Field(min_length=1, pattern=OPERATION_ID_PATTERN)]
    """Unique identifier: lowercase alphanumerics and underscores."""
    endpoint: Annotated[str, Field(min_length=1)]
    """URL template; ``{name}`` placeholders take config, credential and path parameter values."""
    method: HttpMethod = "GET"
    """HTTP method (defaults to GET)."""
    summary: Annotated[str, Field(min_length=1, max_length=200)]
    """Brief description (1-200 characters)."""
    description: str | None = None
    """Longer description."""
    auth_type_ref: str
    """The ``type`` of the authentication profile this operation uses."""
    auth_headers: dict[str, str] = {}
    """Header templates, e.g. ``Authorization: "Basic {base64({email}:{api_token})}"``."""
    credential_field: str | None = None
    """Extracted credential to send as ``Authorization: Bearer`` (e.g. a chain's bearer_token)."""
    parameters: list[Parameter] = []
    """Input parameters."""
    response_schema: dict[str, Any] | None = None
    """JSON Schema (draft 2020-12) the response body must satisfy."""
    rate_limit_scope: str | None = None
    """A declared ``rate_limits`` scope this operation counts against."""
    tags: list[str] = []
    """Categorisation tags (read, write, admin, ...)."""

    @property
    def is_read(self) -> bool:
        """GET/HEAD operations, or any tagged ``read`` and not ``write``."""
        return self.method in READ_METHODS or ("read" in self.tags and "write" not in self.tags)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


class RateLimit(DescriptorModel):
    """A limit of the external API, enforced by the client."""

    scope: RateLimitScope
    """per_account, per_user, per_token or per_connection."""
    limit: Annotated[int, Field(ge=1)]
    """Requests allowed per interval."""
    interval_seconds: Annotated[float, Field(gt=0)]
    """Window length in seconds."""
    burst: Annotated[int, Field(ge=0)] = 0
    """Additional requests allowed above the limit in a burst."""
    note: Annotated[str, Field(max_length=300)] | None = None
    """Human-readable explanation (up to 300 characters)."""


Percentage = Annotated[float, Field(ge=0, le=100)]
NonNegative = Annotated[float, Field(ge=0)]


class Sla(DescriptorModel):
    """Expected service level."""

    availability_percentage: Percentage
    """Target uptime (0-100)."""
    latency_ms_p95: NonNegative | None = None
    """p95 API response latency in milliseconds."""
    error_budget_percentage: Percentage | None = None
    """Acceptable error rate (0-100)."""
    data_freshness_minutes_p95: NonNegative | None = None
    """p95 data freshness in minutes."""
    rto_minutes: NonNegative | None = None
    """Recovery time objective in minutes."""
    rpo_minutes: NonNegative | None = None
    """Recovery point objective in minutes."""


class Capabilities(DescriptorModel):
    sync_modes: list[SyncMode] = []
    """Supported modes: full_refresh, incremental, streaming."""
    supports_schema_discovery: bool = True
    supports_incremental_bookmark: bool = False
    supports_change_data_capture: bool = False
    supports_custom_sql: bool = False
    supports_file_ingestion: bool = False
    max_parallel_tasks: Annotated[int, Field(ge=1)] | None = None
    """Maximum concurrent sync tasks."""


class RouteMapping(DescriptorModel):
    """An operation exposed as an MCP tool."""

    operation_id: str
    """An operation of this descriptor."""
    mcp_tool_name: Annotated[str, Field(min_length=1, max_length=100)]
    """Tool name exposed to MCP clients (unique)."""
    mcp_tool_description: Annotated[str, Field(min_length=1, max_length=500)]
    """Description of the tool for the model (1-500 characters)."""
    parameter_mappings: dict[str, str] = {}
    """Operation parameter name → MCP parameter name."""


class McpConfig(DescriptorModel):
    enabled: bool = False
    server_name: Annotated[str, Field(min_length=1, max_length=100)]
    """MCP server identifier (1-100 characters)."""
    server_description: Annotated[str, Field(min_length=1, max_length=500)]
    """Human-readable description (1-500 characters)."""
    route_mappings: list[RouteMapping] = []
    """Operation → MCP tool mappings."""


class DatabaseConfig(DescriptorModel):
    """For database connectors: the adapter and what it exposes."""

    adapter: Annotated[str, Field(min_length=1)] = "postgres"
    """Adapter name in the runtime's registry (postgres; mysql with the optional extra)."""
    default_schema: Annotated[str, Field(min_length=1)] = "public"
    """Schema of unqualified table names."""
    tables: list[str] = []
    """Tables to expose; empty means every accessible table."""


class Descriptor(DescriptorModel):
    """A connector descriptor (docs/descriptor.md)."""

    schema_: str | None = Field(default=None, alias="$schema", exclude=True)
    """The JSON Schema this file follows, for editors (ignored)."""
    metadata: Metadata
    authentication: Annotated[list[AuthProfile], Field(min_length=1)]
    """Authentication profiles (use type ``none`` for open APIs)."""
    credential_chains: list[CredentialChain] = []
    operations: list[Operation]
    """API operations; may be empty only for a database connector."""
    rate_limits: list[RateLimit] = []
    sla: Sla | None = None
    capabilities: Capabilities | None = None
    mcp_config: McpConfig | None = None
    database_config: DatabaseConfig | None = None
    source_config: list[ConfigField] = []
    """Sluice addition: the keys of a source's config."""
    sync: SyncSpec | None = None
    """Sluice addition: how the connector syncs into search."""

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.operations if op.operation_id == operation_id), None)

    def auth_profile(self, auth_type: str | None = None) -> AuthProfile | None:
        """The profile of that type; with ``None``, the first profile (a source's default)."""
        if auth_type is None:
            return self.authentication[0] if self.authentication else None
        return next((p for p in self.authentication if p.type == auth_type), None)

    def chain(self, chain_id: str) -> CredentialChain | None:
        return next((c for c in self.credential_chains if c.chain_id == chain_id), None)

    def rate_limit(self, scope: str) -> RateLimit | None:
        return next((r for r in self.rate_limits if r.scope == scope), None)

    def config_field(self, key: str) -> ConfigField | None:
        return next((f for f in self.source_config if f.key == key), None)

    def credential_keys(self, profile: AuthProfile) -> list[str]:
        """Keys a credential of this profile may hold: its fields, its chain's initial credentials,
        and ``client_id``/``client_secret`` for the oauth2_* types."""
        keys = [field.key for field in profile.fields]
        chain = self.chain(profile.credential_chain_id) if profile.credential_chain_id else None
        if chain is not None:
            keys += [k for k in chain.initial_credentials_required if k not in keys]
        if profile.type in OAUTH_TYPES:
            keys += [k for k in ("client_id", "client_secret") if k not in keys]
        return keys

    def dump(self) -> dict[str, Any]:
        """The canonical JSON form with defaults; ``Descriptor.model_validate`` reads it back."""
        return self.model_dump(mode="json")
