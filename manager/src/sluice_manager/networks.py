"""Where the manager may call a connector: the networks of ``connector_networks`` (protocol §4.1).

Registration makes the manager call a URL a client chose. Without a limit that is a blind port
probe (which ports answer, whether something speaks HTTP) and a way to aim the manager at itself
or at a cloud metadata service. So a connector URL must be in the configured networks (default:
loopback and the private ranges, which local and compose set-ups use) before the health check,
and the connector session resolves names only to such addresses, so a name that later points
elsewhere (DNS rebinding) is not followed either.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

Network = IPv4Network | IPv6Network

DEFAULT_CONNECTOR_NETWORKS: tuple[Network, ...] = tuple(
    ip_network(text)
    for text in (
        "127.0.0.0/8",  # loopback
        "::1/128",
        "10.0.0.0/8",  # RFC 1918 private ranges (compose and cluster networks)
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",  # IPv6 unique local addresses
    )
)

# Resolves a host name to its addresses (the system resolver; tests pass their own).
Resolve = Callable[[str], Awaitable[list[str]]]


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.split("%", 1)[0])  # an IPv6 zone id names no other address
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:8.8.8.8 is 8.8.8.8
    return address


def address_allowed(text: str, networks: Sequence[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


async def system_resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def describe(networks: Sequence[Network]) -> str:
    return ", ".join(str(n) for n in networks) or "none"


async def url_problem(
    url: str, networks: Sequence[Network], resolve: Resolve = system_resolve
) -> str | None:
    """Why the manager may not call ``url`` (the 400 message), or None when every address its
    host stands for is in ``networks``."""
    host = URL(url).host or ""
    addresses = [host] if _address(host) is not None else None
    if addresses is None:
        try:
            addresses = await resolve(host)
        except OSError as exc:
            return f"connector_url host {host} does not resolve: {exc}"
    for address in addresses:
        if not address_allowed(address, networks):
            return (
                f"connector_url address {address} is not in connector_networks "
                f"({describe(networks)})"
            )
    return None


class AllowedNetworksResolver(AbstractResolver):
    """The connector session's resolver: only addresses in ``networks`` are ever connected to.

    (aiohttp does not resolve an address literal; registration has checked those.)"""

    def __init__(self, networks: Sequence[Network], inner: AbstractResolver | None = None) -> None:
        self._networks = tuple(networks)
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        kept = [r for r in results if address_allowed(r["host"], self._networks)]
        if not kept:
            raise OSError(f"{host} resolves to no address in connector_networks")
        return kept

    async def close(self) -> None:
        await self._inner.close()
