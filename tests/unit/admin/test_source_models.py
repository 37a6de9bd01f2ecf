"""Admin source bodies: schedule rules (§9.3) and how a patch merges into a stored source."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sluice_manager.admin.models import RequeueBody
from sluice_manager.sources.models import SourceCreate, SourcePatch
from sluice_manager.sources.repository import SourceRecord
from sluice_manager.sources.service import _merged

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _record(**overrides: object) -> SourceRecord:
    values: dict[str, object] = {
        "id": "s1",
        "name": "n",
        "source_type": "t",
        "config": {"a": 1},
        "is_active": True,
        "is_deleted": False,
        "deleted_at": None,
        "sync_interval_seconds": 600,
        "sync_cron": None,
        "checkpoint": None,
        "connector_state": None,
        "user_filter_mode": "whitelist",
        "user_whitelist": ["a@x"],
        "user_blacklist": None,
        "prune_on_full_sync": True,
        "created_by": "admin",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return SourceRecord(**values)  # type: ignore[arg-type]


def test_default_interval_only_when_no_schedule_is_named() -> None:
    assert SourceCreate(name="x", source_type="t").schedule() == (3600, None)
    assert SourceCreate(name="x", source_type="t", sync_cron="0 3 * * *").schedule() == (
        None,
        "0 3 * * *",
    )
    assert SourceCreate(name="x", source_type="t", sync_interval_seconds=None).schedule() == (
        None,
        None,
    )


@pytest.mark.parametrize("cron", ["* * * *", "* * * * * *", "60 * * * *", "* * 32 * *", "x"])
def test_bad_cron_is_a_shape_error(cron: str) -> None:
    with pytest.raises(ValidationError):
        SourceCreate(name="x", source_type="t", sync_cron=cron)


def test_both_schedules_refused() -> None:
    with pytest.raises(ValidationError):
        SourcePatch(sync_interval_seconds=60, sync_cron="* * * * *")


def test_patch_keeps_what_it_does_not_name() -> None:
    merged = _merged(_record(), SourcePatch.model_validate({"name": "new"}))
    assert merged["name"] == "new"
    assert merged["config"] == {"a": 1}
    assert merged["sync_interval_seconds"] == 600
    assert merged["user_whitelist"] == ["a@x"]


def test_naming_one_schedule_clears_the_other() -> None:
    merged = _merged(_record(), SourcePatch.model_validate({"sync_cron": "0 * * * *"}))
    assert (merged["sync_interval_seconds"], merged["sync_cron"]) == (None, "0 * * * *")
    merged = _merged(
        _record(sync_interval_seconds=None, sync_cron="0 * * * *"),
        SourcePatch.model_validate({"sync_interval_seconds": 120}),
    )
    assert (merged["sync_interval_seconds"], merged["sync_cron"]) == (120, None)
    merged = _merged(_record(), SourcePatch.model_validate({"sync_interval_seconds": None}))
    assert (merged["sync_interval_seconds"], merged["sync_cron"]) == (None, None)


def test_lists_can_be_cleared_but_required_fields_cannot_be_nulled() -> None:
    merged = _merged(_record(), SourcePatch.model_validate({"user_whitelist": None, "name": None}))
    assert merged["user_whitelist"] is None
    assert merged["name"] == "n"


def test_requeue_needs_exactly_one_selector() -> None:
    assert RequeueBody.model_validate({"all": True}).all is True
    for bad in ({}, {"seqs": [1], "all": True}, {"source_id": "s", "seqs": []}, {"seqs": [0]}):
        with pytest.raises(ValidationError):
            RequeueBody.model_validate(bad)
