"""What templates see when the client renders them, and rendering that names the faulty place.

Root names, later ones winning: the source config (``source_config`` defaults filled in), the
credentials, the values auth produced (``access_token``, a chain's extracted names), then the
operation's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice_descriptor.client.errors import ConfigurationProblem
from sluice_descriptor.errors import TemplateError
from sluice_descriptor.functions import text_of
from sluice_descriptor.model import Descriptor
from sluice_descriptor.templates import Template


def config_with_defaults(descriptor: Descriptor, config: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        field.key: field.default_value
        for field in descriptor.source_config
        if field.default_value is not None
    }
    values.update({key: value for key, value in config.items() if value is not None})
    return values


def render(text: str, ctx: Mapping[str, Any], where: str) -> str:
    """The rendered template; a fault is a ``ConfigurationProblem`` naming ``where`` (the message
    names the variable, never a value)."""
    try:
        return Template.parse(text).render(ctx)
    except TemplateError as exc:
        raise ConfigurationProblem(f"{where}: {exc}") from exc


def evaluate(value: Any, ctx: Mapping[str, Any], where: str) -> Any:
    """A JSON value whose strings are templates; ``"{x}"`` alone keeps ``x``'s JSON type."""
    if isinstance(value, str):
        try:
            return Template.parse(value).evaluate(ctx)
        except TemplateError as exc:
            raise ConfigurationProblem(f"{where}: {exc}") from exc
    if isinstance(value, Mapping):
        return {key: evaluate(item, ctx, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate(item, ctx, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def render_map(templates: Mapping[str, str], ctx: Mapping[str, Any], where: str) -> dict[str, str]:
    return {name: render(text, ctx, f"{where}.{name}") for name, text in templates.items()}


def query_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """One query parameter as pairs: a list repeats the name, anything else prints as text
    (booleans as true/false, objects as JSON)."""
    if isinstance(value, list | tuple):
        return [(name, text_of(item)) for item in value if item is not None]
    return [(name, text_of(value))]
