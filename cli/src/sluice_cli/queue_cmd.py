"""``sluice dead-letters``: the queue rows the indexer gave up on, and sending them back
(``/api/queue/dead-letters``, §10.5); ``sluice queue``: the queue's depth."""

from __future__ import annotations

import click

from sluice_cli.output import Cell, field, print_json, print_table
from sluice_cli.remote import OK, Api, json_option, remote


@click.group("dead-letters")
def dead_letters() -> None:
    """List dead letters, and retry them."""


@dead_letters.command("list")
@click.option("--source", "source_id", metavar="ID", help="only this source's")
@click.option("--limit", type=click.IntRange(1, 1000), help="at most this many")
@json_option
@remote
def list_dead_letters(api: Api, source_id: str | None, limit: int | None, as_json: bool) -> int:
    """List dead letters with their last error."""
    answer = api.get("/api/queue/dead-letters", source_id=source_id, limit=limit)
    if as_json:
        print_json(answer)
        return OK
    print_table(
        answer,
        [
            ("seq", field("seq")),
            ("source", field("source_id")),
            ("event", field("event_type")),
            ("key", field("entity_key")),
            ("attempts", field("attempts")),
            ("error", field("last_error")),
            ("since", field("finished_at")),
        ],
        empty="no dead letters",
    )
    return OK


@dead_letters.command("retry")
@click.argument("seqs", metavar="[SEQ]...", nargs=-1, type=click.IntRange(1))
@click.option("--source", "source_id", metavar="ID", help="every dead letter of this source")
@click.option("--all", "every", is_flag=True, help="every dead letter")
@json_option
@remote
def retry(
    api: Api, seqs: tuple[int, ...], source_id: str | None, every: bool, as_json: bool
) -> int:
    """Send dead letters back to the queue: the SEQs given, those of --source, or --all."""
    if (bool(seqs) + (source_id is not None) + every) != 1:
        raise click.UsageError("give SEQ numbers, --source ID or --all (one of them)")
    if seqs:
        body: dict[str, object] = {"seqs": list(seqs)}
    elif source_id is not None:
        body = {"source_id": source_id}
    else:
        body = {"all": True}
    answer = api.post("/api/queue/dead-letters/requeue", body)
    if as_json:
        print_json(answer)
    else:
        click.echo(f"{answer['requeued']} dead letter(s) back in the queue")
    return OK


OPEN_STATUSES = ("pending", "processing", "dead_letter")


def _count(status: str) -> Cell:
    return lambda row: row["counts"].get(status, 0)


@click.command("queue")
@json_option
@remote
def queue(api: Api, as_json: bool) -> int:
    """The queue's depth: rows per status, per source, and the oldest pending row's age."""
    answer = api.get("/api/queue")
    if as_json:
        print_json(answer)
        return OK
    counts = answer["counts"]
    click.echo("  ".join(f"{status} {n}" for status, n in counts.items()))
    age = answer.get("oldest_pending_age_seconds")
    if age is not None:
        click.echo(f"oldest pending: {age:.0f} s")
    print_table(
        answer["by_source"],
        [("source", field("source_id")), *[(s, _count(s)) for s in OPEN_STATUSES]],
        empty="",
    )
    return OK
