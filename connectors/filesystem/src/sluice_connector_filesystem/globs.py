"""Include/exclude globs: ``*`` and ``?`` stay inside one path segment, ``**`` spans segments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 1)) > i:
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def matches(pattern: str, relative_path: str) -> bool:
    """A pattern without '/' is tested on the last segment, one with '/' on the whole path."""
    if "/" not in pattern.rstrip("/"):
        name = relative_path.rstrip("/").rpartition("/")[2]
        return _compile(pattern.rstrip("/")).match(name) is not None
    return _compile(pattern.lstrip("/")).match(relative_path) is not None


def any_match(patterns: Iterable[str], relative_path: str) -> bool:
    return any(matches(p, relative_path) for p in patterns)


def directory_excluded(patterns: Iterable[str], relative_dir: str) -> bool:
    # "dir/" lets "**/node_modules/**" (whose tail may match nothing) prune the directory itself.
    return any(matches(p, relative_dir) or matches(p, relative_dir + "/") for p in patterns)
