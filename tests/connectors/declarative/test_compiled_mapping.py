"""A compiled mapping (members.py, ``CompiledMapping``) renders every template as the general
evaluator does over the record's full context, whatever the template's shape and the record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sluice_connector_declarative.mapping import CompiledMapping
from sluice_connector_declarative.members import RecordContext, compile_member
from sluice_descriptor.sync import DocumentMapping
from sluice_descriptor.templates import Template
from sluice_sdk.models import DocumentPermissions
from tests.unit.descriptor.strategies import json_values, objects, templates


def full_context(record: Any, config: Mapping[str, Any], stream: str) -> dict[str, Any]:
    """The context the templates are documented to see: the record's fields as root names, then
    ``record``, ``config`` and ``stream``."""
    fields = dict(record) if isinstance(record, Mapping) else {}
    return {**fields, "record": record, "config": dict(config), "stream": stream}


def outcome(compute: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("value", compute())
    except Exception as exc:  # the same error, by type and message, is the same outcome
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=500, deadline=None)
@given(
    text=templates,
    record=objects | objects.map(MappingProxyType) | json_values,  # a Mapping that is no dict too
    config=objects,
    stream=st.sampled_from(["items", "id", ""]),
)
@example(text="{id}-{fields.a}", record=MappingProxyType({"id": 1}), config={}, stream="s")
@example(text="{stream}/{config.a}", record={"stream": "field", "config": 1}, config={}, stream="s")
def test_a_compiled_template_renders_as_the_general_evaluator(
    text: str, record: Any, config: dict[str, Any], stream: str
) -> None:
    member = compile_member(text, config=dict(config), stream=stream)
    ctx = full_context(record, config, stream)
    # Template.parse inside each lambda: a template that does not parse fails at each use.
    assert outcome(lambda: member.text(record, strict=True)) == outcome(
        lambda: Template.parse(text).render(ctx, strict=True)
    )
    assert outcome(lambda: member.text(record, strict=False)) == outcome(
        lambda: Template.parse(text).render(ctx, strict=False)
    )
    assert outcome(lambda: member.value(record)) == outcome(
        lambda: Template.parse(text).evaluate(ctx, strict=False)
    )


@given(record=objects | json_values, config=objects)
def test_the_record_context_reads_as_the_full_context(record: Any, config: dict[str, Any]) -> None:
    view = RecordContext(record, dict(config), "items")
    full = full_context(record, config, "items")
    assert dict(view) == full
    assert len(view) == len(full)
    for key in (*full, "absent"):
        assert (key in view) == (key in full)


def test_permissions_that_read_nothing_of_the_record_are_one_shared_object() -> None:
    spec = DocumentMapping.model_validate(
        {
            "external_id": "{id}",
            "permissions": {"public": True, "groups": ["{config.team}", "staff", "{config.team}"]},
        }
    )
    compiled = CompiledMapping(spec, config={"team": "eng"}, stream="s")
    first, second = compiled.map({"id": 1}), compiled.map({"id": 2})
    assert first.permissions == DocumentPermissions(public=True, users=[], groups=["eng", "staff"])
    assert first.permissions is second.permissions


def test_permissions_that_read_the_record_are_built_per_record() -> None:
    spec = DocumentMapping.model_validate(
        {"external_id": "{id}", "permissions": {"users": ["{owner}", "admin"]}}
    )
    compiled = CompiledMapping(spec, config={}, stream="s")
    first = compiled.map({"id": 1, "owner": "ann"})
    second = compiled.map({"id": 2, "owner": ["bob", "cy"]})
    assert first.permissions == DocumentPermissions(public=False, users=["ann", "admin"], groups=[])
    assert second.permissions == DocumentPermissions(
        public=False, users=["bob", "cy", "admin"], groups=[]
    )


def test_members_that_read_only_the_config_and_stream_are_constants() -> None:
    config = {"base_url": "https://api.example.com", "tags": ["a", "b"]}
    url = compile_member("{config.base_url}/{stream}/", config=config, stream="items")
    tags = compile_member("{config.tags}", config=config, stream="items")
    item = compile_member("{config.base_url}/items/{id}", config=config, stream="items")
    assert (url.fixed, url.text(None, strict=True)) == (True, "https://api.example.com/items/")
    assert (tags.fixed, tags.value(None)) == (True, ["a", "b"])
    assert (item.fixed, item.text({"id": 7}, strict=True)) == (
        False,
        "https://api.example.com/items/7",
    )
