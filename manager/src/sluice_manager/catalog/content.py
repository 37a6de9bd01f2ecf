"""What the catalog stores of one validated descriptor: pure, no database.

``document`` is the descriptor's canonical JSON form (``Descriptor.dump``, defaults included):
what the runtime receives and validates again. ``digest`` says whether a re-push changes anything.
It hashes what the author wrote (the members they set, as validated), not the dump with its
defaults, so a later release that adds a default to the format leaves the digests of stored
versions, and so the immutability of published ones, as they were.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from sluice_descriptor import Descriptor
from sluice_manager.catalog.versions import VersionKey, version_key


def digest_of(descriptor: Descriptor) -> str:
    authored = descriptor.model_dump(mode="json", exclude_unset=True)
    return hashlib.sha256(orjson.dumps(authored, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """The columns of one ``descriptors`` row that come from the pushed text."""

    slug: str
    version: str
    key: VersionKey
    name: str
    summary: str
    description: str
    publisher: str
    categories: list[str]
    tags: list[str]
    document: dict[str, Any]
    source_text: str
    digest: str

    @classmethod
    def of(cls, descriptor: Descriptor, source_text: str) -> Entry:
        """Raises VersionError when metadata.version cannot be stored."""
        meta = descriptor.metadata
        return cls(
            slug=meta.slug,
            version=meta.version,
            key=version_key(meta.version),
            name=meta.name,
            summary=meta.summary or "",
            description=meta.description,
            publisher=meta.publisher,
            categories=list(meta.categories),
            tags=list(meta.tags),
            document=descriptor.dump(),
            source_text=source_text,
            digest=digest_of(descriptor),
        )
