"""The catalog's SemVer ordering key: comparing keys is comparing versions by SemVer precedence."""

from __future__ import annotations

import itertools

import pytest
import semver

from sluice_manager.catalog.versions import VersionError, VersionKey, version_key

# semver.org §11's own example chain, plus numbers that sort differently as text.
VERSIONS = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.2.0",
    "1.9.0",
    "1.10.0",
    "2.0.0-0",
    "2.0.0-9",
    "2.0.0-10",
    "2.0.0-a",
    "2.0.0",
    "10.0.0",
]


def sql_order(key: VersionKey) -> tuple[int, int, int, bool, tuple[str, ...]]:
    """How Postgres compares the columns: numbers, then release last, then the text[] in C
    collation, element by element, a shorter prefix first (Python compares str by code point
    and tuples the same way)."""
    return (key.major, key.minor, key.patch, key.is_release, key.prerelease)


def test_keys_order_every_pair_as_semver_does() -> None:
    for a, b in itertools.combinations(VERSIONS, 2):
        expected = semver.Version.parse(a).compare(b)
        ka, kb = sql_order(version_key(a)), sql_order(version_key(b))
        actual = (ka > kb) - (ka < kb)
        assert actual == expected, (a, b)


def test_build_metadata_does_not_count() -> None:
    assert version_key("1.0.0+build.7") == version_key("1.0.0")


@pytest.mark.parametrize(
    "text", ["1.0", "v1.0.0", "1.0.0-", "01.0.0", "", "9223372036854775808.0.0"]
)
def test_what_is_no_storable_version_is_refused(text: str) -> None:
    with pytest.raises(VersionError):
        version_key(text)
