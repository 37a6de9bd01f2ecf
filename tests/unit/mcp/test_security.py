"""The Host and Origin headers /mcp accepts follow the manager's own addresses (settings)."""

from __future__ import annotations

from typing import Any

from sluice_manager.mcp.security import transport_security
from sluice_manager.settings import ManagerSettings


def _settings(**values: Any) -> ManagerSettings:
    return ManagerSettings(admin_token="a", connector_token="c", **values)


def test_loopback_default_takes_the_loopback_names_on_any_port() -> None:
    security = transport_security(_settings())
    assert security.enable_dns_rebinding_protection
    assert security.allowed_hosts == ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1:8090"]
    assert "http://localhost:*" in security.allowed_origins


def test_a_public_url_and_a_non_loopback_address_are_allowed() -> None:
    security = transport_security(
        _settings(host="10.0.0.5", port=9000, public_url="https://sluice.example.com/")
    )
    assert security.allowed_hosts == [
        "10.0.0.5:9000",
        "sluice.example.com:443",
        "sluice.example.com",  # browsers leave the default port out
    ]
    assert security.allowed_origins == [
        "http://10.0.0.5:9000",
        "http://sluice.example.com:443",
        "http://sluice.example.com",
        "https://sluice.example.com",
    ]


def test_every_address_admits_loopback_and_the_public_url_only() -> None:
    security = transport_security(_settings(host="0.0.0.0", public_url="http://box.lan:8090"))
    assert security.allowed_hosts == ["127.0.0.1:*", "localhost:*", "[::1]:*", "box.lan:8090"]


def test_configured_lists_win_and_a_star_turns_the_checks_off() -> None:
    configured = transport_security(
        _settings(mcp_allowed_hosts="mcp.internal:*, other:80", mcp_allowed_origins="https://ui")
    )
    assert configured.allowed_hosts == ["mcp.internal:*", "other:80"]
    assert configured.allowed_origins == ["https://ui"]
    assert not transport_security(_settings(mcp_allowed_hosts="*")).enable_dns_rebinding_protection
