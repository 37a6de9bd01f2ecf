"""ValidationNotes: validation marks values whose validated form differs from their JSON text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sluice_sdk.models import DocumentMetadata, DocumentPermissions, ValidationNotes
from sluice_sdk.models._time import TIMESTAMP_ADAPTER


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ('"2025-03-04T05:06:07.123456Z"', False),
        ('"2025-03-04T05:06:07Z"', True),
        ('"2025-03-04T05:06:07.1234567Z"', True),
        ('"2025-03-04T06:06:07.123456+01:00"', True),
        ('"+002025-03-04T05:06:07.123456Z"', True),
    ],
)
def test_timestamp_notes_every_form_but_the_written_one(text: str, rewritten: bool) -> None:
    notes = ValidationNotes()
    value = TIMESTAMP_ADAPTER.validate_json(text, context=notes)
    assert value.astimezone(UTC).replace(microsecond=0) == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert notes.rewritten is rewritten


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ('{"size":"12","title":null}', False),
        ('{"size":12}', True),
    ],
)
def test_integer_size_is_noted(text: str, rewritten: bool) -> None:
    notes = ValidationNotes()
    assert DocumentMetadata.model_validate_json(text, context=notes).size == "12"
    assert notes.rewritten is rewritten


def test_lax_boolean_is_noted() -> None:
    notes = ValidationNotes()
    DocumentPermissions.model_validate_json('{"public":true,"users":[],"groups":[]}', context=notes)
    assert not notes.rewritten
    DocumentPermissions.model_validate_json(
        '{"public":"yes","users":[],"groups":[]}', context=notes
    )
    assert notes.rewritten


def test_without_notes_validation_is_unchanged() -> None:
    assert TIMESTAMP_ADAPTER.validate_json('"2025-03-04T05:06:07Z"') == datetime(
        2025, 3, 4, 5, 6, 7, tzinfo=UTC
    )
    with pytest.raises(ValidationError):
        TIMESTAMP_ADAPTER.validate_json('"2025-03-04T05:06:07"')
    assert TIMESTAMP_ADAPTER.validate_python("2025-03-04T05:06:07+01:00").utcoffset() is not None
