"""What ``sluice up`` prints once everything runs: where each part is, and commands to try that
work as pasted into the shell ``sluice up`` was started from."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MANAGER_URL = "http://127.0.0.1:8090"
DEFAULT_DATA_DIR = Path(".sluice")


@dataclass(frozen=True, slots=True)
class Banner:
    manager_url: str
    connector_port: int
    declarative_port: int
    postgres: str
    data_dir: Path  # as configured (relative to where sluice up runs, by default)
    admin_tokens_in_env: int  # SLUICE_ADMIN_TOKEN entries; 0: the token file in data_dir
    token_file: Path
    demo_source_id: str
    demo_description: str
    quiet_logs: bool  # children log warnings and up only (a terminal without SLUICE_LOG_LEVEL)
    admin_token: str = ""  # the console's login; the token itself, printed for the one who ran up

    @property
    def console_url(self) -> str:
        return f"{self.manager_url.rstrip('/')}/ui/"

    def _auth(self) -> str:
        if self.admin_tokens_in_env == 1:
            token = "$SLUICE_ADMIN_TOKEN"
        elif self.admin_tokens_in_env > 1:
            token = "${SLUICE_ADMIN_TOKEN%%,*}"  # the first of a comma-separated list
        else:
            token = f"$(cat {self.token_file.resolve()})"
        return f'-H "Authorization: Bearer {token}"'

    def _sluice(self, arguments: str) -> str:
        """A sluice command that finds this manager and its token from the shell of sluice up."""
        command = f"{sluice_command()} {arguments}"
        if self.manager_url != DEFAULT_MANAGER_URL:
            command += f" --url {self.manager_url}"
        if not self.admin_tokens_in_env and self.data_dir.resolve() != DEFAULT_DATA_DIR.resolve():
            command = f"SLUICE_DATA_DIR={self.data_dir.resolve()} {command}"
        return command

    def render(self) -> str:
        token = (
            "SLUICE_ADMIN_TOKEN (from the environment)"
            if self.admin_tokens_in_env
            else str(self.token_file.resolve())
        )
        auth = self._auth()
        sync = f"{self.manager_url}/api/sources/{self.demo_source_id}/sync"
        logs = (
            "  logs        warnings and errors only (SLUICE_LOG_LEVEL=info shows every event)\n"
            if self.quiet_logs
            else ""
        )
        search = self._sluice('search "connector manager"')
        login = (
            f"  admin login {self.admin_token}  (the admin token: sign in to the console with it)\n"
            if self.admin_token
            else ""
        )
        return (
            "\nSluice is up.\n"
            f"  console     {self.console_url}\n"
            f"{login}"
            f"  manager     {self.manager_url}  (GET /health)\n"
            "  indexer     1 process\n"
            f"  connector   filesystem on http://127.0.0.1:{self.connector_port}\n"
            f"  connector   declarative runtime on http://127.0.0.1:{self.declarative_port}\n"
            f"  postgres    {self.postgres}\n"
            f"  admin token {token}\n"
            f"  demo source {self.demo_source_id} ({self.demo_description})\n"
            f"{logs}"
            "\nTry:\n"
            f"  {search}\n"
            f"  {self._sluice('sources list')}\n"
            f"  {self._sluice(f'sources sync {self.demo_source_id} --full --follow')}\n"
            f"  curl -s {auth} {self.manager_url}/api/sources\n"
            f"  curl -s -X POST {auth} -H 'Content-Type: application/json' "
            f'-d \'{{"sync_mode": "full"}}\' {sync}\n'
            "\nPress Ctrl-C to stop.\n"
        )


def sluice_command() -> str:
    """The ``sluice`` beside this Python (``.venv/bin/sluice`` in a checkout), else ``sluice``."""
    beside = Path(sys.executable).parent / "sluice"
    if not beside.exists():
        return "sluice"
    try:
        relative = beside.relative_to(Path.cwd())
    except ValueError:
        return str(beside)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"
