"""Driver errors a handler lets through (sluice_manager.http.statuses.driver_answer): an outage is
503 (issue 19 item 8), a string Postgres cannot store 422, anything else a 500."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp import ClientConnectorError
from aiohttp.client_reqrep import ConnectionKey

from sluice_manager.http.statuses import driver_answer

UNAVAILABLE = (503, "database unavailable")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        OSError("Multiple exceptions: [Errno 111] ..., [Errno 99] ..."),
        TimeoutError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionFailureError("server closed the connection unexpectedly"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    ],
)
def test_an_unreachable_database_is_503(error: Exception) -> None:
    assert driver_answer(error) == UNAVAILABLE


def test_a_nul_postgres_cannot_store_is_422() -> None:
    for error in (
        asyncpg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        asyncpg.UntranslatableCharacterError("unsupported Unicode escape sequence"),
    ):
        assert driver_answer(error) == (422, "strings must not contain NUL characters (U+0000)")


def test_everything_else_is_for_no_client() -> None:
    key = ConnectionKey("example.org", 443, True, True, None, None, None)
    for error in (
        ValueError("a bug"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.DataError("invalid input for query argument $1"),  # client side: a bug
        ClientConnectorError(key, OSError(111, "refused")),  # another service, not Postgres
    ):
        assert driver_answer(error) is None
