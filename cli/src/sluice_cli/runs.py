"""``sluice runs``: sync run history, one run, and ``--follow``: a live progress bar fed by the
manager's server-sent events (``GET /api/sync-runs/{id}/progress``: a ``progress`` event a second
while the run runs, then one ``end``), parsed by httpx-sse."""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import quote

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sluice_cli.client import REFUSED
from sluice_cli.output import field, print_fields, print_json, print_table
from sluice_cli.remote import OK, Api, json_option, remote

RUN_STATUSES = ("running", "completed", "failed", "cancelled")
RUN_FIELDS = (
    "id",
    "source_id",
    "status",
    "sync_type",
    "trigger_type",
    "created_at",
    "completed_at",
    "documents_scanned",
    "documents_emitted",
    "documents_processed",
    "documents_updated",
    "error_message",
)
# A stream that ends without its ``end`` event (a manager restarting) is opened again this often.
RECONNECTS = 5


def counters(run: dict[str, Any]) -> str:
    return (
        f"scanned {run['documents_scanned']} · emitted {run['documents_emitted']} · "
        f"processed {run['documents_processed']} · updated {run['documents_updated']}"
    )


class RunBar:
    """One rich progress bar on stderr: processed of emitted documents, and every counter."""

    def __init__(self, run_id: str, enabled: bool) -> None:
        console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            # Off the terminal (a log, a pipe) a bar is noise: the closing line says it all.
            disable=not (enabled and console.is_terminal),
            transient=False,
        )
        self._task = self._progress.add_task(f"run {run_id}", total=None, counts="")

    def __enter__(self) -> RunBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, run: dict[str, Any]) -> None:
        emitted = run["documents_emitted"]
        self._progress.update(
            self._task,
            description=f"run {run['id']}: {run['status']}",
            total=emitted or None,
            completed=min(run["documents_processed"], emitted),
            counts=counters(run),
        )


def _ended(api: Api, run_id: str, as_json: bool) -> dict[str, Any] | None:
    """Read the stream until its ``end`` event (that run), or until it closes early (None)."""
    path = f"/api/sync-runs/{quote(run_id, safe='')}/progress"
    with api.manager.events(path) as events, RunBar(run_id, enabled=not as_json) as bar:
        for event in events:
            run: dict[str, Any] = json.loads(event.data)
            if as_json:
                click.echo(event.data)  # the manager's JSON as it came
            else:
                bar.update(run)
            if event.event == "end":
                return run
    return None


def follow_run(api: Api, run_id: str, *, as_json: bool = False) -> int:
    """Follow ``run_id`` to its end: 0 when it completed, 1 when it failed or was cancelled."""
    final: dict[str, Any] | None = None
    for _ in range(RECONNECTS):
        final = _ended(api, run_id, as_json)
        if final is not None:
            break
        current: dict[str, Any] = api.get(f"/api/sync-runs/{quote(run_id, safe='')}")
        if current["status"] != "running":
            final = current
            break
    if final is None:
        print(f"run {run_id}: the progress stream kept closing early", file=sys.stderr)
        return REFUSED
    if not as_json:
        click.echo(f"run {final['id']} {final['status']}: {counters(final)}")
    if final["status"] == "completed":
        return OK
    if final.get("error_message") and not as_json:
        print(f"error: {final['error_message']}", file=sys.stderr)
    return REFUSED


def _newest(api: Api, source_id: str | None) -> str | None:
    """The run to follow: the newest running one, else the newest of any status."""
    for status in ("running", None):
        found = api.get("/api/sync-runs", source_id=source_id, status=status, limit=1)
        if found:
            return str(found[0]["id"])
    return None


@click.command("runs")
@click.argument("run_id", metavar="[RUN_ID]", required=False)
@click.option("--source", "source_id", metavar="ID", help="only this source's runs")
@click.option("--status", type=click.Choice(RUN_STATUSES), help="only runs in this state")
@click.option("--limit", type=click.IntRange(1, 1000), help="at most this many (default 50)")
@click.option(
    "--follow",
    is_flag=True,
    help="follow RUN_ID (default: the newest run, of --source if given) with a live progress "
    "bar until it ends; exit 1 when it does not complete",
)
@json_option
@remote
def runs(
    api: Api,
    *,
    run_id: str | None,
    source_id: str | None,
    status: str | None,
    limit: int | None,
    follow: bool,
    as_json: bool,
) -> int:
    """List sync runs, newest first; show one with RUN_ID, or follow it live with --follow.

    With --follow --json, each progress event's run is printed as one JSON line."""
    if follow:
        target = run_id or _newest(api, source_id)
        if target is None:
            print("no run to follow", file=sys.stderr)
            return REFUSED
        return follow_run(api, target, as_json=as_json)
    if run_id is not None:
        run = api.get(f"/api/sync-runs/{quote(run_id, safe='')}")
        if as_json:
            print_json(run)
        else:
            print_fields(run, RUN_FIELDS)
        return OK
    answer = api.get("/api/sync-runs", source_id=source_id, status=status, limit=limit)
    if as_json:
        print_json(answer)
        return OK
    print_table(
        answer,
        [
            ("run", field("id")),
            ("source", field("source_id")),
            ("status", field("status")),
            ("mode", field("sync_type")),
            ("trigger", field("trigger_type")),
            ("started", field("created_at")),
            ("ended", field("completed_at")),
            ("scanned", field("documents_scanned")),
            ("processed", field("documents_processed")),
            ("error", field("error_message")),
        ],
        empty="no runs",
    )
    return OK
