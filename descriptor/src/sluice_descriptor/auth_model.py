"""The authentication sections: profiles with their credential fields, OAuth2 settings and test
endpoint, and credential chains. ``ConfigField`` (Sluice's ``source_config``) shares their shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from sluice_descriptor.base import DescriptorModel, HttpMethod, Url

__all__ = [
    "AUTH_TYPES",
    "OAUTH_TYPES",
    "SENSITIVE_FIELD_TYPES",
    "TOKEN_TYPES",
    "AuthProfile",
    "AuthType",
    "ChainStep",
    "ConfigField",
    "CredentialChain",
    "CredentialField",
    "CredentialFieldType",
    "OAuthScope",
    "OAuthSettings",
    "TestEndpoint",
]

AuthType = Literal[
    "api_key",
    "basic",
    "oauth2_authorization_code",
    "oauth2_client_credentials",
    "service_account",
    "none",
]
AUTH_TYPES: tuple[str, ...] = get_args(AuthType)
OAUTH_TYPES = frozenset({"oauth2_authorization_code", "oauth2_client_credentials"})
TOKEN_TYPES = OAUTH_TYPES | {"service_account"}
"""Profiles whose requests carry an ``access_token`` the platform obtains."""

CredentialFieldType = Literal["string", "secret", "integer", "boolean", "password", "json"]
SENSITIVE_FIELD_TYPES = frozenset({"secret", "password", "json"})


class CredentialField(DescriptorModel):
    """One value the user supplies for an authentication profile."""

    key: Annotated[str, Field(min_length=1, max_length=100)]
    """Internal identifier (1-100 characters); the variable name in templates."""
    label: Annotated[str, Field(min_length=1, max_length=200)]
    """Display name shown in the UI (1-200 characters)."""
    field_type: CredentialFieldType = "string"
    """One of: string, secret, integer, boolean, password, json."""
    required: bool = True
    """Whether the value must be supplied."""
    secret: bool = False
    """Encrypt the value at rest and never return it."""
    description: Annotated[str, Field(max_length=500)] | None = None
    """Help text (up to 500 characters)."""
    example: Annotated[str, Field(max_length=500)] | None = None
    """Example value shown in the UI (up to 500 characters)."""

    @property
    def is_sensitive(self) -> bool:
        """Secret, password and json values are encrypted and never returned."""
        return self.secret or self.field_type in SENSITIVE_FIELD_TYPES


class ConfigField(CredentialField):
    """Sluice addition: one key of a source's ``config`` (for example Jira's ``domain``)."""

    default_value: Any = None
    """Value used when the source's config leaves the key out."""


class OAuthScope(DescriptorModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    """Scope as the provider spells it."""
    description: Annotated[str, Field(max_length=500)] | None = None
    """What the scope grants."""


class OAuthSettings(DescriptorModel):
    """OAuth2 endpoints and scopes (required for the oauth2_* profile types)."""

    authorize_url: Url | None = None
    """Consent page (required for oauth2_authorization_code)."""
    token_url: Url | None = None
    """Token endpoint (required for the oauth2_* types)."""
    scopes: list[OAuthScope] = []
    """Scopes the connector may ask for."""
    default_scopes: list[str] = []
    """Scopes asked for when the user picks none; each must be one of ``scopes``."""


class TestEndpoint(DescriptorModel):
    """Called when a source is created to check its credentials."""

    __test__ = False  # not a pytest test class

    url: Annotated[str, Field(min_length=1)]
    """URL template, ``{variable}`` substitution over credential and config keys."""
    method: HttpMethod = "GET"
    """HTTP method."""
    expected_status: Annotated[int, Field(ge=100, le=599)] = 200
    """Status that means the credentials work."""
    headers: dict[str, str] = {}
    """Additional headers (templates)."""


class AuthProfile(DescriptorModel):
    """One way to authenticate; a descriptor declares each type at most once."""

    type: AuthType
    """One of the six authentication types (api_key, basic, oauth2_*, service_account, none)."""
    description: Annotated[str, Field(max_length=500)] | None = None
    """Human-readable description (up to 500 characters)."""
    docs_url: Url | None = None
    """Link to the provider's documentation of this method."""
    fields: list[CredentialField] = []
    """Credential fields the user supplies."""
    oauth: OAuthSettings | None = None
    """OAuth2 settings (required for oauth2_* types)."""
    test_endpoint: TestEndpoint | None = None
    """Endpoint called to validate credentials on source creation."""
    credential_chain_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """A ``credential_chains`` entry that turns the credentials into a bearer credential."""

    def field(self, key: str) -> CredentialField | None:
        return next((field for field in self.fields if field.key == key), None)


class ChainStep(DescriptorModel):
    """One request of a credential chain."""

    step_name: Annotated[str, Field(min_length=1, max_length=100)]
    """Step identifier (1-100 characters)."""
    endpoint: Annotated[str, Field(min_length=1)]
    """URL template with ``{variable}`` substitution."""
    method: HttpMethod = "POST"
    """HTTP method (defaults to POST)."""
    headers: dict[str, str] = {}
    """Header templates."""
    body: dict[str, Any] = {}
    """JSON body; string values are templates."""
    query_params: dict[str, str] = {}
    """Query parameter templates."""
    extract: Annotated[dict[str, str], Field(min_length=1)]
    """Credential name → JSONPath into the response body."""
    ttl_seconds: Annotated[int, Field(ge=0)] | None = None
    """How long the extracted values are cached."""
    cache_key: str | None = None
    """Template of the cache key (default: chain id and connection)."""


class CredentialChain(DescriptorModel):
    """A multi-step authentication flow, referenced by ``credential_chain_id``."""

    chain_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """Identifier referenced by an auth profile (1-100 characters)."""
    description: Annotated[str, Field(min_length=1, max_length=500)]
    """Human-readable description (1-500 characters)."""
    initial_credentials_required: list[str]
    """Credential keys the user provides before the chain runs."""
    steps: Annotated[list[ChainStep], Field(min_length=1)]
    """Ordered steps (at least one)."""
    final_credential_name: Annotated[str, Field(min_length=1)]
    """The name extracted by the last step that is used as the credential."""

    def extracted_names(self) -> list[str]:
        return [name for step in self.steps for name in step.extract]
