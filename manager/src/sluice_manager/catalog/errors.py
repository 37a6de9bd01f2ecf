"""Errors of the catalog; the HTTP layer gives their statuses (``sluice_manager.http.statuses``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sluice_descriptor import Problem
from sluice_manager.errors import ManagerError


def problem_json(problem: Problem) -> dict[str, Any]:
    """One validation problem as the API shows it: ``{path, line, column, message}``."""
    return dict(problem.as_dict())


class DescriptorInvalid(ManagerError):
    """A pushed descriptor fails validation; ``problems`` say where and why (422)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.message = "descriptor is invalid"
        self.details = {"problems": [problem_json(p) for p in self.problems]}
        super().__init__(self.message)


class DescriptorNotFound(ManagerError):
    """No descriptor has this slug (and version)."""

    def __init__(self, slug: str, version: str | None = None) -> None:
        self.slug = slug
        self.version = version
        what = slug if version is None else f"{slug} {version}"
        self.message = f"descriptor {what} not found"
        super().__init__(self.message)


class DescriptorImmutable(ManagerError):
    """A push would change a version that was published (409)."""

    def __init__(self, slug: str, version: str, status: str) -> None:
        self.slug = slug
        self.version = version
        self.status = status
        self.message = (
            f"descriptor {slug} {version} is {status} and cannot change; "
            "bump metadata.version to push a changed descriptor"
        )
        super().__init__(self.message)


class StatusTransitionRefused(ManagerError):
    """A status change other than draft → published → archived (409)."""

    def __init__(self, slug: str, version: str, current: str, wanted: str) -> None:
        self.slug = slug
        self.version = version
        self.current = current
        self.wanted = wanted
        self.message = (
            f"descriptor {slug} {version} cannot go from {current} to {wanted} "
            "(only draft → published → archived)"
        )
        super().__init__(self.message)
