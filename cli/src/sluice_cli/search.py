"""``sluice search "words"``: ask a running manager over HTTP and print the ranked hits."""

from __future__ import annotations

import html
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sluice_manager.tokens import ADMIN_TOKEN_FILE

DEFAULT_URL = "http://127.0.0.1:8090"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str
    url: str = DEFAULT_URL
    source_id: str | None = None
    user: str | None = None
    limit: int = 10
    offset: int = 0
    as_json: bool = False


def admin_token(configured: tuple[str, ...], data_dir: Path) -> str | None:
    """The first configured admin token, else the one the embedded default wrote to data_dir."""
    if configured:
        return configured[0]
    try:
        return (data_dir / ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def token_hint(configured: tuple[str, ...], data_dir: Path, token: str | None) -> str:
    """What to tell a user whose token was refused: where it came from, or where it was sought."""
    file = (data_dir / ADMIN_TOKEN_FILE).resolve()
    if configured:
        return "the admin token from SLUICE_ADMIN_TOKEN was refused"
    if token is not None:
        return (
            f"the admin token read from {file} was refused: is that the data directory of the "
            "manager asked? (SLUICE_DATA_DIR chooses it)"
        )
    return (
        f"no admin token was sent: SLUICE_ADMIN_TOKEN is not set and {file} does not exist. "
        "Run this in the folder where sluice up runs, set SLUICE_DATA_DIR to its data "
        "directory, or set SLUICE_ADMIN_TOKEN"
    )


def fetch(request: SearchRequest, token: str | None, timeout: float = 30) -> dict[str, Any]:
    params = {"q": request.query, "limit": request.limit, "offset": request.offset}
    if request.source_id:
        params["source_id"] = request.source_id
    if request.user:
        params["user"] = request.user
    url = f"{request.url.rstrip('/')}/api/search?{urllib.parse.urlencode(params)}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as r:
        body: dict[str, Any] = json.loads(r.read())
    return body


def _plain(snippet: str) -> str:
    """The snippet (escaped text, ``<b>`` around matches) for a terminal: matches in ``*``."""
    marked = snippet.replace("<b>", "*").replace("</b>", "*")
    return " ".join(html.unescape(marked).split())


def render(body: dict[str, Any], request: SearchRequest, out: TextIO) -> None:
    results = body.get("results", [])
    for rank, hit in enumerate(results, start=request.offset + 1):
        title = hit.get("title") or hit.get("external_id")
        out.write(f"{rank}. {title}  (score {hit.get('score', 0):.3f})\n")
        snippet = _plain(hit.get("snippet") or "")
        if snippet:
            out.write(f"   {snippet}\n")
        out.write(f"   {hit.get('url') or hit.get('external_id')}  [{hit.get('source_id')}]\n")
    total = body.get("total", 0)
    if results:
        last = request.offset + len(results)
        out.write(f"{total} result(s), showing {request.offset + 1}-{last}\n")
    else:
        out.write(f"no results ({total} in total)\n")


def run(
    request: SearchRequest,
    token: str | None,
    out: TextIO | None = None,
    *,
    refused_hint: str | None = None,
) -> int:
    """Exit status: 0 with results printed, 1 when the manager refused, 2 when unreachable.
    ``refused_hint`` (see :func:`token_hint`) follows a 401."""
    out = out or sys.stdout
    try:
        body = fetch(request, token)
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            message = exc.reason
        print(f"search failed: HTTP {exc.code}: {message}", file=sys.stderr)
        if exc.code == 401 and refused_hint:
            print(refused_hint, file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"cannot reach the manager at {request.url}: {exc}", file=sys.stderr)
        return 2
    if request.as_json:
        out.write(json.dumps(body, indent=2) + "\n")
    else:
        render(body, request, out)
    return 0
