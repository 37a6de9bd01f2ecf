"""SemVer versions of descriptors, and the key that makes SQL order them as SemVer does.

SemVer precedence (semver.org §11): major, minor and patch compared as numbers; a pre-release
comes before its release; pre-release identifiers compared one by one, numeric ones as numbers and
below alphanumeric ones, which compare in ASCII order; more identifiers win when all before are
equal. Build metadata does not count. The ``descriptors.version_*`` columns (migration 0010) hold
that key: the pre-release identifiers are encoded so that comparing the ``text[] COLLATE "C"``
arrays byte by byte is the SemVer comparison.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import semver

BIGINT_MAX = 2**63 - 1
_DIGITS = 10  # width of a numeric identifier's length prefix


@dataclass(frozen=True, slots=True)
class VersionKey:
    """The ``descriptors.version_*`` columns of one version."""

    major: int
    minor: int
    patch: int
    is_release: bool
    prerelease: tuple[str, ...]


class VersionError(ValueError):
    """Not a semantic version the catalog can store."""


def _identifier_key(identifier: str) -> str:
    if identifier.isdigit():
        # "0" sorts before "1": numeric identifiers come before alphanumeric ones; the length
        # prefix makes a longer number the larger one.
        return f"0{len(identifier):0{_DIGITS}d}{identifier}"
    return f"1{identifier}"


@functools.lru_cache(maxsize=1024)
def version_key(text: str) -> VersionKey:
    """The ordering key of ``text``; raises VersionError when it is not SemVer 2.0.0."""
    try:
        parsed = semver.Version.parse(text)
    except (ValueError, TypeError) as exc:
        raise VersionError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)") from exc
    numbers = (parsed.major, parsed.minor, parsed.patch)
    if any(n > BIGINT_MAX for n in numbers):
        raise VersionError(f"{text!r} has a number above {BIGINT_MAX}")
    identifiers = tuple(parsed.prerelease.split(".")) if parsed.prerelease else ()
    return VersionKey(
        major=parsed.major,
        minor=parsed.minor,
        patch=parsed.patch,
        is_release=not identifiers,
        prerelease=tuple(_identifier_key(i) for i in identifiers),
    )
