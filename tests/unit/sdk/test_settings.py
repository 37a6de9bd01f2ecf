"""Connector settings from the environment (one object, read once in ``serve``)."""

from __future__ import annotations

import pytest

from sluice_sdk.settings import ConnectorSettings


def test_sluice_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_MANAGER_URL", "http://manager:8090")
    monkeypatch.setenv("SLUICE_CONNECTOR_TOKEN", "new, old")
    monkeypatch.setenv("SLUICE_CONNECTOR_URL", "http://conn:9000/")
    monkeypatch.setenv("SLUICE_CONNECTOR_ID", "conn-a")
    settings = ConnectorSettings()
    assert settings.manager_url == "http://manager:8090"
    assert settings.connector_token == ("new", "old")
    assert settings.outgoing_token == "new"
    assert settings.advertised_url() == "http://conn:9000"
    assert settings.connector_id == "conn-a"
    assert "new" not in repr(settings)


def test_omni_manager_url_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLUICE_MANAGER_URL", raising=False)
    monkeypatch.delenv("SLUICE_CONNECTOR_URL", raising=False)
    monkeypatch.setenv("CONNECTOR_MANAGER_URL", "http://omni:8080")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("SLUICE_CONNECTOR_HOST", "conn")
    settings = ConnectorSettings()
    assert settings.manager_url == "http://omni:8080"
    assert settings.advertised_url() == "http://conn:8123"
    assert settings.outgoing_token is None
    assert settings.connector_id is None
