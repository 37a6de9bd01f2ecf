"""Small descriptors for the client tests, built as data and validated by the models."""

from __future__ import annotations

from typing import Any

from sluice_descriptor.model import Descriptor

METADATA = {
    "name": "Client test API",
    "slug": "client-test",
    "version": "1.0.0",
    "description": "A descriptor the client tests call against real third-party servers.",
    "publisher": "Sluice tests",
}


def descriptor(
    authentication: list[dict[str, Any]],
    operations: list[dict[str, Any]],
    **sections: Any,
) -> Descriptor:
    return Descriptor.model_validate(
        {
            "metadata": METADATA,
            "authentication": authentication,
            "operations": operations,
            **sections,
        }
    )


def operation(
    operation_id: str, endpoint: str, auth_type_ref: str, **fields: Any
) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "endpoint": endpoint,
        "summary": operation_id.replace("_", " "),
        "auth_type_ref": auth_type_ref,
        **fields,
    }


class RecordedSleeps:
    """A ``Sleep`` that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def basic_profile(**extra: Any) -> dict[str, Any]:
    return {
        "type": "basic",
        "fields": [
            {"key": "username", "label": "Username"},
            {"key": "password", "label": "Password", "field_type": "password", "secret": True},
        ],
        **extra,
    }


BASE_URL_CONFIG = [{"key": "base_url", "label": "Base URL"}]
