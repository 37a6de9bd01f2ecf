"""Errors of the admin writes to sources; the HTTP layer maps them to 404 and 400."""

from __future__ import annotations

from typing import Literal

from sluice_manager.errors import ManagerError


class SourceNotFound(ManagerError):
    """No live source has this id (never created, or soft-deleted)."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.message = f"source {source_id} not found"
        super().__init__(self.message)


class InvalidSource(ManagerError):
    """A source's config or credential secret fails the schema of its connector's manifest.

    ``problem`` names the failing path and rule; for credentials never the secret value.
    """

    def __init__(self, part: Literal["config", "credentials"], problem: str) -> None:
        self.part = part
        self.problem = problem
        if part == "config":
            self.message = f"config does not match the connector's config_schema: {problem}"
        else:
            self.message = f"credentials do not match the connector's credentials_schema: {problem}"
        super().__init__(self.message)


class UnknownSourceType(ManagerError):
    """No registered connector, online or not, declares the source type of a new source (422):
    likely a typo. The admin may still insist (``allow_unknown_type``), e.g. before its
    connector first registers."""

    def __init__(self, source_type: str) -> None:
        self.source_type = source_type
        self.message = (
            f"no connector declares source_type {source_type!r}: register its connector first, "
            "or pass ?allow_unknown_type=true"
        )
        super().__init__(self.message)


class InvalidPin(ManagerError):
    """A descriptor pin that cannot be taken: unknown version, another slug, or a source that is
    not declarative (400)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class PinArchived(ManagerError):
    """An archived descriptor version cannot be newly pinned; its sources keep running (409)."""

    def __init__(self, slug: str, version: str) -> None:
        self.slug = slug
        self.version = version
        self.message = (
            f"descriptor {slug} {version} is archived: sources already pinned to it keep running, "
            "but no source may newly pin it"
        )
        super().__init__(self.message)


class InvalidPinnedSource(ManagerError):
    """A declarative source's config or credentials fail its descriptor's fields (400).

    Each problem names a key and a rule, never a value."""

    def __init__(self, part: Literal["config", "credentials"], problems: list[str]) -> None:
        self.part = part
        self.problems = problems
        what, verb = ("source_config", "does") if part == "config" else ("auth profile", "do")
        self.message = f"{part} {verb} not match the descriptor's {what}: {'; '.join(problems)}"
        self.details = {"problems": problems}
        super().__init__(self.message)


class UpstreamFailed(ManagerError):
    """The described API refused or did not answer a check of the source (its test endpoint, an
    OAuth code exchange): the user's input is wrong, so nothing is stored (422).
    ``upstream_status`` is the status it answered, None when it did not answer."""

    def __init__(self, message: str, upstream_status: int | None) -> None:
        self.message = message
        self.upstream_status = upstream_status
        self.details = {"upstream_status": upstream_status}
        super().__init__(message)


class OAuthRefused(ManagerError):
    """An OAuth consent that cannot start, or a callback whose state is unknown, used or
    expired (400)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
