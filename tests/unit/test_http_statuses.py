"""The one table from domain errors to HTTP statuses (sluice_manager.http.statuses)."""

from __future__ import annotations

from typing import get_args

from sluice_descriptor import Problem
from sluice_manager.catalog.errors import (
    DescriptorImmutable,
    DescriptorInvalid,
    DescriptorNotFound,
    StatusTransitionRefused,
)
from sluice_manager.errors import ManagerError
from sluice_manager.extraction.availability import ReaderMissing
from sluice_manager.extraction.formats import Format
from sluice_manager.http.statuses import STATUS_OF_TRIGGER, status_of
from sluice_manager.runs.errors import TriggerError, TriggerErrorKind
from sluice_manager.sources.crypto import SecretBoxError
from sluice_manager.sources.errors import (
    InvalidPin,
    InvalidPinnedSource,
    InvalidSource,
    OAuthRefused,
    PinArchived,
    SourceNotFound,
    UpstreamFailed,
)


def test_every_trigger_kind_has_a_status() -> None:
    assert set(STATUS_OF_TRIGGER) == set(get_args(TriggerErrorKind))
    assert status_of(TriggerError("global_cap", "full")) == 409
    assert status_of(TriggerError("dispatch_failed", "refused", sync_run_id="r1")) == 502


def test_domain_errors_answer_with_their_status_and_message() -> None:
    missing = SourceNotFound("s1")
    assert (status_of(missing), missing.message) == (404, "source s1 not found")
    invalid = InvalidSource("credentials", "api_key: fails the schema's 'minLength' rule")
    assert status_of(invalid) == 400
    assert invalid.message == (
        "credentials do not match the connector's credentials_schema: "
        "api_key: fails the schema's 'minLength' rule"
    )
    assert status_of(ReaderMissing(Format.PDF)) == 501


def test_a_subclass_answers_like_its_listed_parent() -> None:
    class Purged(SourceNotFound):
        pass

    assert status_of(Purged("s2")) == 404


def test_an_unlisted_error_is_for_no_client() -> None:
    assert status_of(SecretBoxError("encrypted value is too short")) is None
    assert status_of(ManagerError("anything")) is None


def test_catalog_and_declarative_source_errors() -> None:
    invalid = DescriptorInvalid([Problem("metadata.slug", "too short", 3, 9)])
    assert (status_of(invalid), invalid.message) == (422, "descriptor is invalid")
    assert invalid.details == {
        "problems": [{"path": "metadata.slug", "line": 3, "column": 9, "message": "too short"}]
    }
    assert status_of(DescriptorNotFound("a-b", "1.0.0")) == 404
    assert status_of(DescriptorImmutable("a-b", "1.0.0", "published")) == 409
    assert status_of(StatusTransitionRefused("a-b", "1.0.0", "archived", "draft")) == 409
    assert status_of(InvalidPin("unknown")) == 400
    assert status_of(PinArchived("a-b", "1.0.0")) == 409
    assert status_of(InvalidPinnedSource("config", ["base_url: required"])) == 400
    assert status_of(OAuthRefused("bad state")) == 400
    upstream = UpstreamFailed("the credentials test failed: 401", 401)
    assert (status_of(upstream), upstream.details) == (422, {"upstream_status": 401})
