"""Helpers for tests that talk real HTTP to real processes."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_json(url: str, timeout: float = 30.0) -> dict[str, object]:
    """Poll ``url`` until it answers 200 with a JSON body; return the body."""
    deadline = time.monotonic() + timeout
    last: object = None
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    if resp.status == 200:
                        body: dict[str, object] = await resp.json()
                        return body
                    last = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = exc
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s (last: {last!r})")
