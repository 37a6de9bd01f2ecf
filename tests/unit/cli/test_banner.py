"""The banner's commands name the token as the shell that started ``sluice up`` holds it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sluice_cli.banner import Banner


def _banner(tokens_in_env: int, data_dir: Path) -> str:
    return Banner(
        manager_url="http://127.0.0.1:8090",
        connector_port=8101,
        declarative_port=8102,
        postgres="embedded",
        data_dir=data_dir,
        admin_tokens_in_env=tokens_in_env,
        token_file=data_dir / "admin_token",
        demo_source_id="S",
        demo_description="created",
        quiet_logs=False,
    ).render()


def _bearer(banner: str, env: dict[str, str]) -> str:
    """The Authorization header of the banner's first curl, as bash expands it."""
    header = re.search(r'-H "(Authorization: Bearer [^"]+)"', banner)
    assert header is not None, banner
    done = subprocess.run(
        ["bash", "-c", f'printf %s "{header.group(1)}"'],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_rotating_list_of_admin_tokens_sends_the_first(tmp_path: Path) -> None:
    banner = _banner(2, tmp_path)
    assert _bearer(banner, {"SLUICE_ADMIN_TOKEN": "new,old"}) == "Authorization: Bearer new"


def test_the_token_file_is_read_by_its_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "admin_token").write_text("from-file\n")
    banner = _banner(0, tmp_path)
    assert _bearer(banner, {}) == "Authorization: Bearer from-file"
    # Another data directory than ./.sluice: the search command says which.
    assert f"SLUICE_DATA_DIR={tmp_path.resolve()} " in banner


def test_the_console_url_and_the_admin_login_are_printed(tmp_path: Path) -> None:
    """``make run`` prints where the console is and what to sign in with (issue 17)."""
    banner = Banner(
        manager_url="http://127.0.0.1:8095",
        connector_port=8106,
        declarative_port=8107,
        postgres="embedded",
        data_dir=tmp_path,
        admin_tokens_in_env=0,
        token_file=tmp_path / "admin_token",
        demo_source_id="S",
        demo_description="created",
        quiet_logs=False,
        admin_token="the-admin-token",
    ).render()
    lines = banner.splitlines()
    assert "  console     http://127.0.0.1:8095/ui/" in lines
    login = next(line for line in lines if line.startswith("  admin login "))
    assert login.split()[2] == "the-admin-token"
