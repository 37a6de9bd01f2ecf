"""Bodies of the catalog's admin API, ``/api/descriptors`` (the admin API's shape is Sluice's)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sluice_sdk.models import Timestamp

Status = Literal["draft", "published", "archived"]
Visibility = Literal["private", "workspace", "organization", "marketplace"]
STATUSES: tuple[str, ...] = ("draft", "published", "archived")
VISIBILITIES: tuple[str, ...] = ("private", "workspace", "organization", "marketplace")
DEFAULT_STATUS: Status = "draft"
DEFAULT_VISIBILITY: Visibility = "private"

PushOutcome = Literal["created", "replaced", "updated", "unchanged"]
"""created: a new version; replaced: a draft's content; updated: status or visibility only;
unchanged: an identical re-push."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ProblemView(_Body):
    """One validation problem: where (path, 1-based line and column) and why."""

    path: str
    line: int | None = None
    column: int | None = None
    message: str


class ValidationReport(_Body):
    """``POST /api/descriptors/validate``: 200 whether or not the descriptor is valid."""

    valid: bool
    problems: list[ProblemView]


class DescriptorSummary(_Body):
    """One descriptor version without its document."""

    slug: str
    version: str
    status: Status
    visibility: Visibility
    name: str
    summary: str
    description: str
    publisher: str
    categories: list[str]
    tags: list[str]
    digest: str
    created_at: Timestamp
    updated_at: Timestamp
    published_at: Timestamp | None = None
    archived_at: Timestamp | None = None


class DescriptorDetail(DescriptorSummary):
    """One descriptor version: ``document`` is what the runtime receives, ``source_text`` what was
    pushed."""

    document: dict[str, Any]
    source_text: str


class PushResult(DescriptorSummary):
    """``POST /api/descriptors``: the stored version and what the push did to it."""

    outcome: PushOutcome


class DescriptorVersions(_Body):
    """``GET /api/descriptors/{slug}``: every version, highest SemVer first."""

    slug: str
    latest: str
    versions: list[DescriptorSummary]


class DescriptorPatch(_Body):
    """``PATCH /api/descriptors/{slug}/{version}``: members present change."""

    status: Status | None = None
    visibility: Visibility | None = None
