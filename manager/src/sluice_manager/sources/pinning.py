"""Sources pinned to a catalog descriptor version (declarative sources).

A pin names a version; ``latest`` in a request pins the highest published version at that moment.
An archived version cannot be newly pinned, but the sources already pinned to it keep running
(their reads never look at the status). Moving a source to another version is an explicit update,
checked like a new pin, and the source's config and credentials must fit the new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import asyncpg
from pydantic import ValidationError

from sluice_descriptor import Descriptor
from sluice_descriptor.model import AuthProfile
from sluice_manager.catalog import repository as catalog
from sluice_manager.sources.crypto import SecretBox
from sluice_manager.sources.declarative import check_credentials, checked_config, profile_for
from sluice_manager.sources.errors import InvalidPin, InvalidPinnedSource, PinArchived
from sluice_manager.sources.models import CredentialInput, DescriptorPin, SourcePatch
from sluice_manager.sources.repository import SourceRecord
from sluice_sql.query_loader import QUERIES

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True, slots=True)
class Pinned:
    """A descriptor version a source runs (or is about to)."""

    slug: str
    version: str
    status: str
    descriptor: Descriptor
    document: dict[str, Any]

    @property
    def pin(self) -> DescriptorPin:
        return DescriptorPin(slug=self.slug, version=self.version)


@dataclass(frozen=True, slots=True)
class CheckedInput:
    """Config (defaults filled in) and credential (auth_type and provider set) that fit a pin."""

    config: dict[str, Any]
    credential: CredentialInput
    profile: AuthProfile


def _pinned(row: asyncpg.Record) -> Pinned:
    try:
        descriptor = Descriptor.model_validate(row["document"])
    except ValidationError as exc:
        raise InvalidPin(
            f"descriptor {row['slug']} {row['version']} does not validate with this release of "
            "Sluice; push it again as a new version"
        ) from exc
    return Pinned(row["slug"], row["version"], row["status"], descriptor, row["document"])


async def resolve(conn: Conn, pin: DescriptorPin, current: DescriptorPin | None = None) -> Pinned:
    """The version ``pin`` names, refused when unknown or archived (unless it is the source's
    ``current`` pin, which may stay), or of another slug than ``current``."""
    if current is not None and pin.slug != current.slug:
        raise InvalidPin(
            f"a source keeps its descriptor ({current.slug}); create a new source for {pin.slug}"
        )
    row = await catalog.get(conn, pin.slug, pin.version)
    if row is None:
        raise InvalidPin(f"descriptor {pin.slug} {pin.version} is not in the catalog")
    if row["status"] == "archived" and (current is None or row["version"] != current.version):
        raise PinArchived(row["slug"], row["version"])
    return _pinned(row)


def current_pin(rec: SourceRecord) -> DescriptorPin | None:
    if rec.descriptor_slug is None or rec.descriptor_version is None:
        return None
    return DescriptorPin(slug=rec.descriptor_slug, version=rec.descriptor_version)


async def pinned_of(conn: Conn, rec: SourceRecord) -> Pinned | None:
    """The version a source runs, whatever its status; None for a source that is not declarative."""
    pin = current_pin(rec)
    if pin is None:
        return None
    row = await catalog.get(conn, pin.slug, pin.version)
    if row is None:  # the foreign key keeps it; only a hand-edited database gets here
        raise InvalidPin(f"descriptor {pin.slug} {pin.version} is not in the catalog")
    return _pinned(row)


def check_input(
    pinned: Pinned,
    config: dict[str, Any],
    credential: CredentialInput | None,
    default_auth_type: str = "",
) -> CheckedInput:
    """InvalidPinnedSource unless config and credential fit the descriptor."""
    descriptor = pinned.descriptor
    filled = checked_config(descriptor, config)
    given = credential or CredentialInput()
    profile = profile_for(descriptor, given.auth_type or default_auth_type)
    check_credentials(descriptor, profile, given.credentials, filled)
    normalized = given.model_copy(
        update={"auth_type": profile.type, "provider": given.provider or pinned.slug}
    )
    return CheckedInput(filled, normalized, profile)


async def stored_credential(conn: Conn, source_id: str, box: SecretBox) -> CredentialInput | None:
    """A source's credential as an input again (secret decrypted), to check it against a pin."""
    row = await conn.fetchrow(QUERIES.select_credential_by_source, source_id)
    if row is None:
        return None
    secret = box.decrypt(bytes(row["secret_encrypted"]))
    return CredentialInput(
        provider=row["provider"],
        auth_type=row["auth_type"],
        principal_email=row["principal_email"],
        credentials=secret if isinstance(secret, dict) else {},
        config=row["config"] or {},
        expires_at=row["expires_at"],
    )


@dataclass(frozen=True, slots=True)
class PatchPlan:
    """What a patch of a declarative source writes beyond the plain settings."""

    pinned: Pinned
    checked: CheckedInput
    pin_changed: bool
    write_config: bool
    write_credential: bool


async def plan_patch(
    pool: asyncpg.Pool, box: SecretBox, rec: SourceRecord, patch: SourcePatch
) -> PatchPlan | None:
    """None when the patch touches no pin, config or credential of a declarative source (or the
    source is not declarative and the patch names no descriptor)."""
    given = patch.model_fields_set
    current = current_pin(rec)
    if current is None:
        if "descriptor" in given:
            raise InvalidPin(f"source {rec.id} is not declarative: it has no descriptor to move")
        return None
    if not given & {"descriptor", "config", "credentials"}:
        return None
    if "descriptor" in given and patch.descriptor is None:
        raise InvalidPin("a declarative source stays pinned: name the version to move to")
    if "credentials" in given and patch.credentials is None:
        raise InvalidPinnedSource(
            "credentials", ["a declarative source keeps its credential: send new credentials"]
        )
    if patch.descriptor is not None:
        pinned = await resolve(pool, patch.descriptor, current)
    else:
        pinned = await resolve(pool, current, current)
    stored = await stored_credential(pool, rec.id, box)
    credential = patch.credentials if patch.credentials is not None else stored
    config = patch.config if patch.config is not None else rec.config
    checked = check_input(
        pinned, config or {}, credential, stored.auth_type if stored is not None else ""
    )
    pin_changed = pinned.version != current.version
    return PatchPlan(
        pinned=pinned,
        checked=checked,
        pin_changed=pin_changed,
        write_config=pin_changed or patch.config is not None,
        write_credential=patch.credentials is not None,
    )
