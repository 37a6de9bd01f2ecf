"""Admin API bodies for sources (the admin API's shape is Sluice's own, protocol §1.1).

The secret ``credentials.credentials`` object is only ever read from a request; no response model
has a member that could carry it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sluice_sdk.models import SOURCE_TYPE_PATTERN, Timestamp, UserFilterMode

DEFAULT_SYNC_INTERVAL_SECONDS = 3600  # §9.3: the default schedule of a new source
# The owner of a source (§4.7 user-email): one address, checked for shape only.
OwnerEmail = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
DECLARATIVE_SOURCE_TYPE = "declarative"  # the runtime that serves every pinned source
_CRON_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)  # any instant would do (check_cron)


def check_cron(expr: str) -> str:
    """A five-field cron expression (minute hour day month weekday), evaluated in UTC (§9.3)."""
    if len(expr.split()) != 5:
        raise ValueError("sync_cron must have five fields: minute hour day month weekday")
    try:
        trigger = CronTrigger.from_crontab(expr, timezone="UTC")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"sync_cron is not a valid cron expression: {exc}") from exc
    # A cron repeats, so one with no fire time after some instant has none after any.
    if trigger.get_next_fire_time(None, _CRON_ORIGIN) is None:
        raise ValueError("sync_cron never fires: no date matches it")
    return expr


class _Body(BaseModel):
    # Request bodies refuse unknown members where they are read (admin.common.read_body, §1.3);
    # a response model ignores them.
    model_config = ConfigDict(extra="ignore")


class CredentialInput(_Body):
    provider: str = ""
    auth_type: str = ""
    principal_email: str | None = None
    credentials: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    expires_at: Timestamp | None = None


class _ScheduleFields(_Body):
    sync_interval_seconds: int | None = Field(default=None, ge=60, le=2_147_483_647)
    sync_cron: str | None = None

    @field_validator("sync_cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @model_validator(mode="after")
    def _one_schedule(self) -> _ScheduleFields:
        if self.sync_interval_seconds is not None and self.sync_cron is not None:
            raise ValueError("give sync_interval_seconds or sync_cron, not both")
        return self


class DescriptorPin(_Body):
    """A catalog descriptor version a declarative source runs (docs/descriptor.md). ``latest``, in
    a request, pins the highest published version at that moment."""

    slug: str = Field(min_length=1, max_length=100)
    version: str = Field(default="latest", min_length=1, max_length=100)


class SourceCreate(_ScheduleFields):
    name: str = Field(min_length=1, max_length=500)
    # Optional only with ``descriptor``, whose sources are of the declarative type.
    source_type: str | None = Field(default=None, pattern=SOURCE_TYPE_PATTERN)
    descriptor: DescriptorPin | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    credentials: CredentialInput | None = None
    is_active: bool = True
    prune_on_full_sync: bool = True
    user_filter_mode: UserFilterMode = "all"
    user_whitelist: list[str] | None = None
    user_blacklist: list[str] | None = None
    owner_email: OwnerEmail | None = None

    @model_validator(mode="after")
    def _declarative(self) -> SourceCreate:
        if self.descriptor is not None:
            if self.source_type not in (None, DECLARATIVE_SOURCE_TYPE):
                raise ValueError(
                    f"a source with a descriptor has source_type {DECLARATIVE_SOURCE_TYPE!r}"
                )
            self.source_type = DECLARATIVE_SOURCE_TYPE
        elif self.source_type is None:
            raise ValueError("give source_type, or descriptor for a declarative source")
        elif self.source_type == DECLARATIVE_SOURCE_TYPE:
            raise ValueError("a declarative source needs a descriptor: {slug, version}")
        return self

    @property
    def kind(self) -> str:
        """The source type (the validator filled it in)."""
        return self.source_type or DECLARATIVE_SOURCE_TYPE

    def schedule(self) -> tuple[int | None, str | None]:
        """(interval, cron); a body that names neither gets the §9.3 default interval."""
        named = {"sync_interval_seconds", "sync_cron"} & self.model_fields_set
        if not named:
            return DEFAULT_SYNC_INTERVAL_SECONDS, None
        return self.sync_interval_seconds, self.sync_cron


class SourcePatch(_ScheduleFields):
    """Only members present in the body change; ``credentials: null`` removes the credential."""

    name: str | None = Field(default=None, min_length=1, max_length=500)
    # A declarative source moves to another version of its descriptor only when asked to.
    descriptor: DescriptorPin | None = None
    config: dict[str, Any] | None = None
    credentials: CredentialInput | None = None
    is_active: bool | None = None
    prune_on_full_sync: bool | None = None
    user_filter_mode: UserFilterMode | None = None
    user_whitelist: list[str] | None = None
    user_blacklist: list[str] | None = None
    owner_email: OwnerEmail | None = None  # null removes it


class CredentialSummary(_Body):
    """What the admin API says about a credential: never its secret."""

    id: str
    provider: str
    auth_type: str
    principal_email: str | None = None
    expires_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp


class AdminSource(_Body):
    """A source as the admin API shows it."""

    id: str
    name: str
    source_type: str
    descriptor: DescriptorPin | None = None
    config: dict[str, Any]
    is_active: bool
    is_deleted: bool
    deleted_at: Timestamp | None = None
    sync_interval_seconds: int | None = None
    sync_cron: str | None = None
    checkpoint: Any = None
    connector_state: Any = None
    user_filter_mode: UserFilterMode
    user_whitelist: list[str] | None = None
    user_blacklist: list[str] | None = None
    prune_on_full_sync: bool
    created_by: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    has_credentials: bool
    credential: CredentialSummary | None = None
    owner_email: str | None = None


class SourceTestResult(_Body):
    """``POST /api/sources/{id}/test``: what the auth profile's test endpoint answered.
    ``tested`` is false when there is nothing to test yet (no test endpoint, or no consent)."""

    tested: bool
    ok: bool
    upstream_status: int | None = None
    message: str


class OAuthStartBody(_Body):
    """``POST /api/sources/{id}/oauth/start``: where the provider sends the user back (default
    ``<public_url>/api/oauth/callback``) and the scopes to ask for (default the profile's)."""

    redirect_uri: str | None = Field(default=None, min_length=1, max_length=2000)
    scopes: list[str] | None = None


class OAuthStarted(_Body):
    """Send the user to ``authorize_url``; ``state`` names this consent until ``expires_at``."""

    authorize_url: str
    state: str
    redirect_uri: str
    expires_at: Timestamp


class OAuthCompleted(_Body):
    """``GET /api/oauth/callback``: the source's credential now holds the tokens."""

    status: str = "authorized"
    source_id: str
    expires_at: Timestamp | None = None
