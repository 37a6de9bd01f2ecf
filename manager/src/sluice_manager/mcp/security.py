"""The Host and Origin headers ``/mcp`` accepts (DNS-rebinding protection), from the settings.

A browser page on another site can reach a server on the user's machine or network under a name
it controls (DNS rebinding); checking Host and Origin refuses such requests. The SDK's defaults
only admit loopback names, which breaks a manager reached under any other name, so the lists
follow this manager's own addresses: ``host:port`` it listens on (and the loopback names when it
listens on loopback or on every address), and the host of ``public_url``. Operators reaching it
under other names list them in ``SLUICE_MCP_ALLOWED_HOSTS`` / ``SLUICE_MCP_ALLOWED_ORIGINS``
(``host:*`` takes any port); ``*`` in either turns both checks off.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings

from sluice_manager.settings import ManagerSettings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVERY_ADDRESS = ("", "0.0.0.0", "::")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _authority(host: str, port: int | str) -> str:
    bracketed = f"[{host}]" if ":" in host else host
    return f"{bracketed}:{port}"


def derived_hosts(settings: ManagerSettings) -> list[str]:
    """Host headers naming this manager: see the module docstring."""
    hosts: list[str] = []
    if settings.host in LOOPBACK or settings.host in EVERY_ADDRESS:
        hosts += [_authority(name, "*") for name in LOOPBACK]
    if settings.host not in EVERY_ADDRESS:
        hosts.append(_authority(settings.host, settings.port))
    if settings.public_url:
        url = urlsplit(settings.public_url)
        if url.hostname:
            port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
            hosts.append(_authority(url.hostname, port))
            if url.port is None or url.port == _DEFAULT_PORTS.get(url.scheme):
                hosts.append(_authority(url.hostname, port).rpartition(":")[0])
    return list(dict.fromkeys(hosts))


def derived_origins(settings: ManagerSettings, hosts: list[str]) -> list[str]:
    """Origins of pages served by this manager's own names (``http://`` + each allowed host) and
    the origin of ``public_url``."""
    origins = [f"http://{host}" for host in hosts]
    if settings.public_url:
        url = urlsplit(settings.public_url)
        if url.scheme and url.netloc:
            origins.append(f"{url.scheme}://{url.netloc}")
    return list(dict.fromkeys(origins))


def transport_security(settings: ManagerSettings) -> TransportSecuritySettings:
    hosts = list(settings.mcp_allowed_hosts) or derived_hosts(settings)
    origins = list(settings.mcp_allowed_origins) or derived_origins(settings, hosts)
    if "*" in hosts or "*" in origins:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )
