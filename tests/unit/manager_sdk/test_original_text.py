"""Cutting the events array out of a batch body, and when its text is the validated events."""

from __future__ import annotations

import pytest

from sluice_manager.queue.original_text import event_texts, events_array_text, text_is_validated
from sluice_sdk.models import EVENT_BATCH_ADAPTER, Event

EVENT = (
    '{"type":"document_created","sync_run_id":"r","source_id":"s","document_id":"d",'
    '"content_id":"c","metadata":{},"permissions":{"public":true,"users":[],"groups":[]}}'
)


@pytest.mark.parametrize(
    "body",
    [
        '{"sync_run_id":"r","source_id":"s","events":[' + EVENT + "]}",
        ' {\n "sync_run_id" : "r", "n": -1.5e3, "x": null, "ok": true, "events" : [ '
        + EVENT
        + " ] }\n",
        '{"sync_run_id":"r\\"}","source_id":"s","events":[]}',
    ],
)
def test_events_array_is_cut_out_of_the_usual_layout(body: str) -> None:
    text = events_array_text(body.encode())
    assert text is not None
    assert text.strip("[] ") == (EVENT if EVENT in body else "")


@pytest.mark.parametrize(
    "body",
    [
        '{"events":[' + EVENT + '],"sync_run_id":"r","source_id":"s"}',
        '{"meta":{"a":1},"events":[]}',
        '{"ev\\u0065nts":[],"sync_run_id":"r"}',
        '["events"]',
    ],
)
def test_other_layouts_give_none(body: str) -> None:
    assert events_array_text(body.encode()) is None


def _events(extra_json: str) -> list[Event]:
    event = EVENT.replace('"metadata":{}', '"metadata":' + extra_json)
    body = '{"sync_run_id":"r","source_id":"s","events":[' + event + "]}"
    return list(EVENT_BATCH_ADAPTER.validate_json(body, extra="allow").events)


def test_text_is_validated_sees_unknown_metadata_and_non_finite_numbers() -> None:
    assert text_is_validated(_events('{"extra":{"a":[1,{"b":2.5}]}}'))
    assert not text_is_validated(_events('{"colour":"red"}'))
    assert not text_is_validated(_events('{"extra":{"a":[1,{"b":NaN}]}}'))
    assert not text_is_validated(_events('{"extra":{"a":1e400}}'))


@pytest.mark.parametrize("separator", [",", ", ", " ,\n "])
def test_event_texts_cuts_between_objects(separator: str) -> None:
    other = EVENT.replace('"d"', '"e"')
    body = '{"sync_run_id":"r","events":[ ' + EVENT + separator + other + " ]}"
    texts = event_texts(body.encode(), 2)
    if separator in (",", ", "):
        assert texts == [EVENT, other]
    else:
        assert texts is None  # an unusual separator: Postgres splits the array instead


def test_event_texts_gives_none_when_the_count_differs() -> None:
    nested = EVENT.replace('"metadata":{}', '"metadata":{"extra":{"l":[{"a":1},{"b":2}]}}')
    body = '{"events":[' + nested + "," + EVENT + "]}"
    assert event_texts(body.encode(), 2) is None
    assert event_texts(b'{"events":[]}', 0) == []
    assert event_texts(b'{"events":[]}', 1) is None
    assert event_texts(('{"events":[' + EVENT + "]}").encode(), 1) == [EVENT]
