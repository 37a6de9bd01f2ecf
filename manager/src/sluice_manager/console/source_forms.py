"""The source form: which JSON Schemas it is generated from, and reading what was posted.

A connector's source type brings its manifest's ``config_schema`` and ``credentials_schema``; a
catalog descriptor brings its ``source_config`` fields and its first authentication profile's
credential keys, turned into the same JSON Schema shape. The browser's JSON Editor builds the
inputs from them; without JavaScript the same values travel as JSON text in two text areas.

Stored secrets never reach the browser: the credential inputs render empty, marked "unchanged",
and on save an empty secret keeps the stored value (``merged_credential``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from pydantic import ValidationError

from sluice_descriptor import Descriptor
from sluice_manager.registry.repository import latest_manifest_for_type
from sluice_manager.sources import pinning
from sluice_manager.sources.crypto import SecretBox
from sluice_manager.sources.models import CredentialInput, DescriptorPin

UNCHANGED = "unchanged"
_JSON_TYPES = {"integer": "integer", "boolean": "boolean"}


class FormProblem(Exception):
    """What is wrong with a posted form, one line each, shown above it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SourceKind:
    """What a new source's form is generated from."""

    source_type: str | None
    descriptor_slug: str | None
    title: str
    config_schema: dict[str, Any] | None
    credentials_schema: dict[str, Any] | None


def _field_schema(field_type: str, title: str, description: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": _JSON_TYPES.get(field_type, "string"), "title": title}
    if field_type in ("secret", "password"):
        schema["format"] = "password"
    if description:
        schema["description"] = description
    return schema


def descriptor_schemas(descriptor: Descriptor) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """JSON Schemas of a descriptor's source config and its first profile's credentials."""
    config: dict[str, Any] = {"type": "object", "title": "Configuration", "properties": {}}
    required = []
    for field in descriptor.source_config:
        prop = _field_schema(field.field_type, field.label, field.description)
        if field.default_value is not None:
            prop["default"] = field.default_value
        config["properties"][field.key] = prop
        if field.required and field.default_value is None:
            required.append(field.key)
    config["required"] = required
    profile = descriptor.auth_profile(None)
    if profile is None:
        return config, None
    by_key = {field.key: field for field in profile.fields}
    credentials: dict[str, Any] = {"type": "object", "title": "Credentials", "properties": {}}
    for key in descriptor.credential_keys(profile):
        known = by_key.get(key)
        if known is None:
            credentials["properties"][key] = {"type": "string", "title": key}
        else:
            credentials["properties"][key] = _field_schema(
                known.field_type, known.label, known.description
            )
    if not credentials["properties"]:
        return config, None
    return config, credentials


async def kind_of_type(pool: asyncpg.Pool, source_type: str) -> SourceKind | None:
    """A connector source type's form; None when no connector ever declared the type."""
    connector = await latest_manifest_for_type(pool, source_type)
    if connector is None:
        return None
    manifest = connector.manifest
    config, credentials = manifest.get("config_schema"), manifest.get("credentials_schema")
    return SourceKind(
        source_type=source_type,
        descriptor_slug=None,
        title=source_type,
        config_schema=config if isinstance(config, dict) else None,
        credentials_schema=credentials if isinstance(credentials, dict) else None,
    )


async def kind_of_descriptor(pool: asyncpg.Pool, slug: str) -> SourceKind:
    """A catalog descriptor's form (its latest published version); InvalidPin when none."""
    pinned = await pinning.resolve(pool, DescriptorPin(slug=slug))
    config, credentials = descriptor_schemas(pinned.descriptor)
    return SourceKind(
        source_type=None,
        descriptor_slug=slug,
        title=f"{pinned.descriptor.metadata.name} ({slug} {pinned.version})",
        config_schema=config,
        credentials_schema=credentials,
    )


def browser_schema(schema: dict[str, Any] | None, *, secret: bool, editing: bool) -> str:
    """The schema as JSON for the page: credential inputs become password inputs and, on the
    edit form, say "unchanged" (the stored values are never sent)."""
    if schema is None:
        return ""
    shown = copy.deepcopy(schema)
    properties = shown.get("properties")
    if isinstance(properties, dict):
        for order, (key, prop) in enumerate(properties.items()):
            if not isinstance(prop, dict):
                continue
            # JSON Editor orders fields its own way unless told; and an array's items are
            # labelled after the array ("Roots 1") rather than "item 1".
            prop.setdefault("propertyOrder", order + 1)
            items = prop.get("items")
            if isinstance(items, dict) and "title" not in items:
                items["title"] = str(prop.get("title") or key)
    if secret and isinstance(shown.get("properties"), dict):
        for prop in shown["properties"].values():
            if not isinstance(prop, dict) or prop.get("type", "string") != "string":
                continue
            prop["format"] = "password"
            if editing:
                prop.setdefault("options", {})["inputAttributes"] = {"placeholder": UNCHANGED}
        if editing:
            shown["required"] = []  # an empty secret keeps the stored one
    return orjson.dumps(shown).decode()


def json_object(text: str, what: str) -> dict[str, Any]:
    """The text area's JSON object ({} when empty); FormProblem otherwise."""
    if not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FormProblem([f"{what}: not valid JSON ({exc})"]) from None
    if not isinstance(value, dict):
        raise FormProblem([f"{what}: must be a JSON object"])
    return value


def given_secrets(values: dict[str, Any]) -> dict[str, Any]:
    """The credential values actually typed (empty ones mean "unchanged")."""
    return {k: v for k, v in values.items() if v not in ("", None)}


def schedule(interval: str, cron: str) -> dict[str, Any]:
    """The schedule members: a cron expression wins; neither means "only when asked"."""
    if cron.strip():
        return {"sync_cron": cron.strip(), "sync_interval_seconds": None}
    if not interval.strip():
        return {"sync_interval_seconds": None, "sync_cron": None}
    try:
        seconds = int(interval)
    except ValueError:
        raise FormProblem(["Sync interval: must be a whole number of seconds"]) from None
    return {"sync_interval_seconds": seconds, "sync_cron": None}


async def merged_credential(
    pool: asyncpg.Pool, box: SecretBox, source_id: str, typed: dict[str, Any]
) -> CredentialInput | None:
    """The credential a save writes: None (keep the stored one) when nothing was typed, else the
    stored secret with the typed values over it."""
    if not typed:
        return None
    stored = await pinning.stored_credential(pool, source_id, box)
    if stored is None:
        return CredentialInput(credentials=typed)
    return stored.model_copy(update={"credentials": {**stored.credentials, **typed}})


def problems_of(exc: ValidationError) -> list[str]:
    """A pydantic error as lines a person reads (no input values: they may be secret)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        lines.append(f"{where}: {error['msg']}" if where else error["msg"])
    return lines
