import stat
from pathlib import Path

import pytest

from sluice_manager.settings import ManagerSettings
from sluice_manager.tokens import MissingTokenError, with_tokens


def test_embedded_default_generates_tokens_once(tmp_path: Path) -> None:
    settings = ManagerSettings(data_dir=tmp_path)
    first = with_tokens(settings)
    again = with_tokens(settings)
    assert first.admin_token == again.admin_token
    assert first.connector_token == again.connector_token
    assert first.admin_token != first.connector_token
    assert len(first.admin_token[0]) >= 40
    mode = (tmp_path / "admin_token").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_configured_tokens_win_and_are_split_on_commas(tmp_path: Path) -> None:
    settings = ManagerSettings(data_dir=tmp_path, admin_token="a, b", connector_token="c")  # type: ignore[arg-type]
    resolved = with_tokens(settings)
    assert resolved.admin_token == ("a", "b")
    assert resolved.connector_token == ("c",)
    assert not (tmp_path / "admin_token").exists()


def test_external_database_requires_configured_tokens(tmp_path: Path) -> None:
    settings = ManagerSettings(data_dir=tmp_path, database_url="postgresql://x/y")
    with pytest.raises(MissingTokenError) as info:
        with_tokens(settings)
    assert info.value.setting == "admin_token"


def test_open_sdk_auth_needs_no_connector_token(tmp_path: Path) -> None:
    settings = ManagerSettings(
        data_dir=tmp_path,
        database_url="postgresql://x/y",
        admin_token="a",
        sdk_auth="open",  # type: ignore[arg-type]
    )
    assert with_tokens(settings).connector_token == ()
