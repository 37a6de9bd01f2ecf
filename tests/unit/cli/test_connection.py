"""The order in which ``sluice`` looks for the manager's URL and admin token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluice_cli.connection import NotFound, refusal_hint, resolve


def _data_dir(tmp_path: Path, **written: str) -> dict[str, str]:
    (tmp_path / "manager.json").write_text(json.dumps(written))
    return {"SLUICE_DATA_DIR": str(tmp_path)}


def test_flags_win_over_the_environment_and_the_data_directory(tmp_path: Path) -> None:
    env = _data_dir(tmp_path, url="http://file", admin_token="file-token")
    env |= {"SLUICE_URL": "http://env/", "SLUICE_ADMIN_TOKEN": "env-token"}
    found = resolve("http://flag", "flag-token", env)
    assert (found.url, found.token, found.url_from, found.token_from) == (
        "http://flag",
        "flag-token",
        "--url",
        "--token",
    )
    found = resolve(None, None, env)
    assert (found.url, found.token) == ("http://env", "env-token")
    found = resolve(None, None, _data_dir(tmp_path, url="http://file", admin_token="file-token"))
    assert (found.url, found.token) == ("http://file", "file-token")
    assert found.token_from == str(tmp_path.resolve() / "manager.json")


def test_sluice_url_before_the_older_variable_and_the_first_rotated_token(tmp_path: Path) -> None:
    env = {
        "SLUICE_DATA_DIR": str(tmp_path),
        "SLUICE_URL": "http://new",
        "SLUICE_MANAGER_URL": "http://old",
        "SLUICE_ADMIN_TOKEN": "current, previous",
    }
    found = resolve(None, None, env)
    assert (found.url, found.token) == ("http://new", "current")
    del env["SLUICE_URL"]
    assert resolve(None, None, env).url == "http://old"


def test_the_admin_token_file_is_the_last_resort(tmp_path: Path) -> None:
    env = _data_dir(tmp_path, url="http://file")
    (tmp_path / "admin_token").write_text("generated\n")
    found = resolve(None, None, env)
    assert (found.token, found.token_from) == ("generated", str(tmp_path.resolve() / "admin_token"))
    assert "was refused: is that the data directory" in refusal_hint(found)


def test_nothing_anywhere_lists_each_place(tmp_path: Path) -> None:
    (tmp_path / "manager.json").write_text("not json")
    with pytest.raises(NotFound) as info:
        resolve(None, None, {"SLUICE_DATA_DIR": str(tmp_path)})
    message = str(info.value)
    for place in ("--url", "SLUICE_URL", "SLUICE_MANAGER_URL", "--token", "SLUICE_ADMIN_TOKEN"):
        assert place in message
    assert str(tmp_path.resolve() / "manager.json") in message
    assert str(tmp_path.resolve() / "admin_token") in message
