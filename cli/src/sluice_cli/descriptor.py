"""``sluice descriptor``: validate descriptor files locally, and push, list and show them in the
catalog of a running manager (docs/descriptor.md).

Exit status: 0 done, 1 problems found or the manager refused, 2 the manager was unreachable.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sluice_descriptor import Problem, load_path

OK, REFUSED, UNREACHABLE = 0, 1, 2


class Unreachable(Exception):
    """No HTTP answer from the manager."""


@dataclass(frozen=True, slots=True)
class Manager:
    """The manager's admin API, with the admin token."""

    url: str
    token: str | None
    timeout: float = 30

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | None] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        """(status, JSON answer) of any answer, error statuses included; Unreachable otherwise."""
        params = {k: v for k, v in (query or {}).items() if v is not None}
        target = f"{self.url.rstrip('/')}{path}"
        if params:
            target += "?" + urllib.parse.urlencode(params)
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(target, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return resp.status, _json(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(f"cannot reach the manager at {self.url}: {exc}") from exc


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return {"error": data.decode("utf-8", "replace")[:500]}


def _problem(raw: Mapping[str, Any]) -> Problem:
    return Problem(
        path=str(raw.get("path") or ""),
        message=str(raw.get("message") or ""),
        line=raw.get("line"),
        column=raw.get("column"),
    )


# -- validate -------------------------------------------------------------------------------------


def validate(files: Sequence[str], out: TextIO | None = None) -> int:
    """Check files with the local validator; one ``file:line:col: path: message`` per problem."""
    out = out or sys.stdout
    status = OK
    for name in files:
        result = load_path(name)
        if result.ok and result.descriptor is not None:
            meta = result.descriptor.metadata
            out.write(f"{name}: ok ({meta.slug} {meta.version})\n")
            continue
        status = REFUSED
        for line in result.render():
            out.write(line + "\n")
    return status


# -- manager commands ------------------------------------------------------------------------------


def _refused(what: str, status: int, answer: Any, err: TextIO, filename: str = "") -> int:
    message = answer.get("error", "") if isinstance(answer, Mapping) else str(answer)
    err.write(f"{what} failed: HTTP {status}: {message}\n")
    problems = answer.get("problems") if isinstance(answer, Mapping) else None
    for raw in problems or []:
        if isinstance(raw, Mapping):
            err.write(_problem(raw).render(filename or "<descriptor>") + "\n")
        else:
            err.write(f"  {raw}\n")
    return REFUSED


def push(
    manager: Manager,
    file: str,
    *,
    status: str | None,
    visibility: str | None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        err.write(f"cannot read {file}: {exc}\n")
        return REFUSED
    kind = "application/json" if file.endswith(".json") else "application/yaml"
    code, answer = manager.call(
        "POST",
        "/api/descriptors",
        query={"status": status, "visibility": visibility},
        body=data,
        content_type=kind,
    )
    if code not in (200, 201):
        return _refused("push", code, answer, err, file)
    out.write(
        f"{answer['slug']} {answer['version']}: {answer['outcome']} "
        f"({answer['status']}, {answer['visibility']})\n"
    )
    return OK


def list_descriptors(
    manager: Manager,
    filters: Mapping[str, str | None],
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    code, answer = manager.call("GET", "/api/descriptors", query=filters)
    if code != 200:
        return _refused("list", code, answer, err)
    if as_json:
        out.write(json.dumps(answer, indent=2) + "\n")
        return OK
    if not answer:
        out.write("no descriptors\n")
    for entry in answer:
        out.write(
            f"{entry['slug']}  {entry['version']}  {entry['status']}  {entry['visibility']}  "
            f"{entry['name']}\n"
        )
    return OK


def show(
    manager: Manager,
    slug: str,
    version: str | None,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Without a version, every version of ``slug``; with one (or ``latest``), that version: its
    summary, then the text that was pushed."""
    out, err = out or sys.stdout, err or sys.stderr
    path = f"/api/descriptors/{urllib.parse.quote(slug, safe='')}"
    if version is not None:
        path += f"/{urllib.parse.quote(version, safe='')}"
    code, answer = manager.call("GET", path)
    if code != 200:
        return _refused("show", code, answer, err)
    if as_json:
        out.write(json.dumps(answer, indent=2) + "\n")
    elif version is None:
        out.write(f"{answer['slug']} (latest {answer['latest']})\n")
        for entry in answer["versions"]:
            out.write(f"  {entry['version']}  {entry['status']}  {entry['visibility']}\n")
    else:
        out.write(f"{answer['name']} — {answer['slug']} {answer['version']}\n")
        out.write(f"status: {answer['status']}, visibility: {answer['visibility']}\n")
        out.write(f"publisher: {answer['publisher']}\n")
        if answer["summary"]:
            out.write(f"summary: {answer['summary']}\n")
        out.write("\n" + answer["source_text"].rstrip("\n") + "\n")
    return OK


def reachable(command: Callable[[], int]) -> int:
    """Run one manager command; an unreachable manager is reported the same way for each."""
    try:
        return command()
    except Unreachable as exc:
        print(str(exc), file=sys.stderr)
        return UNREACHABLE
