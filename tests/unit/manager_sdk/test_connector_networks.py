"""``connector_networks`` (protocol §4.1): which connector URLs the manager may call."""

from __future__ import annotations

import socket
from ipaddress import ip_network

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from sluice_manager.networks import (
    DEFAULT_CONNECTOR_NETWORKS,
    AllowedNetworksResolver,
    address_allowed,
    url_problem,
)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),
        ("192.168.1.1", True),
        ("fd12::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("8.8.8.8", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("fe80::1%eth0", False),
        ("not an address", False),
    ],
)
def test_default_networks(address: str, allowed: bool) -> None:
    assert address_allowed(address, DEFAULT_CONNECTOR_NETWORKS) is allowed


async def test_a_name_is_allowed_only_when_every_address_is() -> None:
    answers = {
        "compose-connector": ["172.18.0.5"],
        "split": ["10.0.0.7", "93.184.216.34"],
    }

    async def resolve(host: str) -> list[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    nets = DEFAULT_CONNECTOR_NETWORKS
    assert await url_problem("http://compose-connector:8000", nets, resolve) is None
    problem = await url_problem("http://split:8000", nets, resolve)
    assert problem is not None
    assert problem.startswith("connector_url address 93.184.216.34 is not in connector_networks")
    problem = await url_problem("http://nowhere:8000", nets, resolve)
    assert problem is not None
    assert "does not resolve" in problem
    everything = (ip_network("0.0.0.0/0"), ip_network("::/0"))
    assert await url_problem("http://8.8.8.8:1", everything, resolve) is None


class _Fixed(AbstractResolver):
    def __init__(self, hosts: list[str]) -> None:
        self.hosts = hosts
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=h, port=port, family=family, proto=0, flags=0)
            for h in self.hosts
        ]

    async def close(self) -> None:
        self.closed = True


async def test_the_session_resolver_drops_addresses_outside_the_networks() -> None:
    inner = _Fixed(["93.184.216.34", "10.0.0.9"])
    resolver = AllowedNetworksResolver(DEFAULT_CONNECTOR_NETWORKS, inner)
    assert [r["host"] for r in await resolver.resolve("rebound", 80)] == ["10.0.0.9"]
    inner.hosts = ["93.184.216.34"]
    with pytest.raises(OSError, match="no address in connector_networks"):
        await resolver.resolve("rebound", 80)
    await resolver.close()
    assert inner.closed
