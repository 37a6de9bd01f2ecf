"""A declarative source's config and credentials checked against its descriptor: pure functions.

Config keys are the descriptor's ``source_config`` fields; credentials are the fields of the
chosen authentication profile (``auth_type``, by default the descriptor's first profile), its
credential chain's initial credentials, ``client_id``/``client_secret`` for the oauth2_* types and,
for the authorization-code type, the tokens consent stores. Problems name a key and a rule, never
a value (credentials are secret).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from sluice_descriptor.model import AuthProfile, ConfigField, CredentialField, Descriptor
from sluice_manager.sources.errors import InvalidPinnedSource

# What consent (sluice_manager.sources.oauth) merges into an authorization-code credential.
TOKEN_KEYS = ("access_token", "refresh_token", "expires_at", "token_type", "scope")

READ_ONLY_KEY = "read_only"
_READ_ONLY = ConfigField(key=READ_ONLY_KEY, label="Read only", field_type="boolean", required=False)

_PYTHON_TYPE = {"integer": "an integer", "boolean": "a boolean"}


def _type_problem(key: str, field_type: str, value: Any) -> str | None:
    if field_type == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif field_type == "boolean":
        ok = isinstance(value, bool)
    elif field_type == "json":
        if isinstance(value, str):
            try:
                orjson.loads(value)
            except orjson.JSONDecodeError:
                return f"{key}: must be JSON (an object, or text holding JSON)"
        return None
    else:  # string, secret, password
        ok = isinstance(value, str)
        if not ok:
            return f"{key}: must be a string"
    if not ok:
        return f"{key}: must be {_PYTHON_TYPE[field_type]}"
    return None


def _missing(value: Any) -> bool:
    return value is None or value == ""


def _field_problems(
    fields: Sequence[CredentialField], values: Mapping[str, Any], allowed: Sequence[str]
) -> list[str]:
    problems = []
    by_key = {f.key: f for f in fields}
    for key in sorted(set(values) - set(allowed)):
        problems.append(f"{key}: unknown key (allowed: {', '.join(allowed) or 'none'})")
    for key in allowed:
        field = by_key.get(key)
        value = values.get(key)
        if _missing(value):
            if field is not None and field.required:
                problems.append(f"{key}: required")
            continue
        if field is not None:
            problem = _type_problem(key, field.field_type, value)
            if problem is not None:
                problems.append(problem)
        elif not isinstance(value, str | int | float):
            problems.append(f"{key}: must be a string")
    return problems


def checked_config(descriptor: Descriptor, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the descriptor's defaults filled in; InvalidPinnedSource when it fails.

    ``read_only`` (a boolean) is allowed beside the descriptor's keys: a read-only source refuses
    write operations as actions, as every source does (§6.7)."""
    fields: list[ConfigField] = list(descriptor.source_config)
    if descriptor.config_field(READ_ONLY_KEY) is None:
        fields.append(_READ_ONLY)
    filled = dict(config)
    for field in fields:
        if _missing(filled.get(field.key)) and field.default_value is not None:
            filled[field.key] = field.default_value
    problems = _field_problems(fields, filled, [f.key for f in fields])
    if problems:
        raise InvalidPinnedSource("config", problems)
    return filled


def profile_for(descriptor: Descriptor, auth_type: str) -> AuthProfile:
    """The profile of ``auth_type`` ("" for the first); InvalidPinnedSource when there is none."""
    profile = descriptor.auth_profile(auth_type or None)
    if profile is None:
        declared = ", ".join(p.type for p in descriptor.authentication)
        raise InvalidPinnedSource(
            "credentials",
            [f"auth_type: the descriptor has no profile of type {auth_type!r} (it has {declared})"],
        )
    return profile


def check_credentials(
    descriptor: Descriptor,
    profile: AuthProfile,
    credentials: Mapping[str, Any],
    config: Mapping[str, Any],
) -> None:
    """InvalidPinnedSource unless ``credentials`` fit ``profile``. A chain's initial credential may
    come from the source's config instead (a base URL, say)."""
    allowed = descriptor.credential_keys(profile)
    if profile.type == "oauth2_authorization_code":
        allowed += [k for k in TOKEN_KEYS if k not in allowed]
    problems = _field_problems(profile.fields, credentials, allowed)
    chain = descriptor.chain(profile.credential_chain_id) if profile.credential_chain_id else None
    if chain is not None:
        declared = {field.key for field in profile.fields}
        for key in chain.initial_credentials_required:
            if key in declared or not (
                _missing(credentials.get(key)) and _missing(config.get(key))
            ):
                continue
            problems.append(f"{key}: required by credential chain {chain.chain_id!r}")
    if problems:
        raise InvalidPinnedSource("credentials", problems)
