"""Search corpora for ``bench search``: N documents of ~2 KB English (bench/corpus.py's word
frequencies) COPYed straight into the documents table, cached between runs.

The cache is one Postgres cluster under ``${XDG_CACHE_HOME:-~/.cache}/sluice/bench/search-pg``
with one database per corpus, named by corpus version and size. A database is complete when its
``bench_search_corpus`` row exists; an interrupted load resumes at the next chunk (chunks are
seeded by their index, so the text does not depend on where a load stopped). Opening a cached
database runs the pending migrations on it, so a new migration is applied, not regenerated.

``python -m bench.search_corpus 100000 1000000`` builds corpora ahead of a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from bench.corpus import _vocabulary
from sluice_sql.embedded import EmbeddedPostgres, database_url, ensure_database
from sluice_sql.migrate import migrate_url

# Bump when the generated text, permissions or memberships change.
CORPUS_VERSION = 1
CHUNK = 10_000
LOADERS = 2
SOURCE_ID = "bench-search"
USERS = 500
GROUPS = 60
PUBLIC_SHARE = 0.6
# The searching user of the benchmark: member of 3 groups, named on some shared documents.
BENCH_USER = "user7@example.com"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sluice" / "bench"


def server() -> EmbeddedPostgres:
    return EmbeddedPostgres(cache_dir() / "search-pg")


def database_name(count: int) -> str:
    return f"search_v{CORPUS_VERSION}_{count}"


class FastText:
    """bench.corpus.TextGenerator's text, drawn in bulk (random.choices) to load a million."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, self.cumulative = _vocabulary()

    def draw(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=k)

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.draw(self.rng.randint(3, 8)))

    def text(self, size: int) -> str:
        words = self.draw(size // 4)
        rng = self.rng
        parts: list[str] = []
        sentences: list[str] = []
        length = 0
        at = 0
        while length < size:
            n = rng.randint(6, 22)
            if at + n > len(words):
                words = self.draw(size // 4)
                at = 0
            text = " ".join(words[at : at + n])
            at += n
            sentences.append(text[0].upper() + text[1:] + rng.choice(".....?!"))
            length += len(sentences[-1]) + 1
            if rng.random() < 0.25:
                parts.append(" ".join(sentences))
                sentences = []
        if sentences:
            parts.append(" ".join(sentences))
        return "\n\n".join(parts)[:size]


def permissions(rng: random.Random) -> str:
    if rng.random() < PUBLIC_SHARE:
        return '{"public": true, "users": [], "groups": []}'
    users = [f"user{rng.randrange(USERS)}@example.com" for _ in range(rng.randint(0, 3))]
    groups = [f"team{rng.randrange(GROUPS)}@example.com" for _ in range(rng.randint(0, 2))]
    if not users and not groups:
        users = [f"user{rng.randrange(USERS)}@example.com"]
    return json.dumps({"public": False, "users": users, "groups": groups})


def chunk_rows(index: int, count: int) -> Iterator[tuple[str, str, str, str, str, int]]:
    gen = FastText(seed=1000 + index)
    for i in range(index * CHUNK, min(count, (index + 1) * CHUNK)):
        yield (SOURCE_ID, f"doc-{i}", gen.title(), gen.text(2048), permissions(gen.rng), i + 1)


_SETUP = """
CREATE TABLE IF NOT EXISTS bench_search_corpus (
    version int NOT NULL, documents bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now());
CREATE OR REPLACE FUNCTION bench_search_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.tsv := sluice_document_tsv_v1(NEW.title, NEW.content); RETURN NEW; END $$;
DROP TRIGGER IF EXISTS bench_search_tsv ON documents;
CREATE TRIGGER bench_search_tsv BEFORE INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION bench_search_tsv();
"""


async def _memberships(conn: asyncpg.Connection) -> None:
    rng = random.Random(99)
    await conn.execute(
        "INSERT INTO groups (source_id, group_email, last_seq) "
        "SELECT $1, 'team' || g || '@example.com', 0 FROM generate_series(0, $2 - 1) g "
        "ON CONFLICT DO NOTHING",
        SOURCE_ID,
        GROUPS,
    )
    rows = {
        (SOURCE_ID, f"team{rng.randrange(GROUPS)}@example.com", f"user{u}@example.com")
        for u in range(USERS)
        for _ in range(3)
    }
    rows |= {(SOURCE_ID, f"team{g}@example.com", BENCH_USER) for g in (3, 19, 42)}
    await conn.executemany(
        "INSERT INTO group_memberships (source_id, group_email, member_email) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        sorted(rows),
    )


async def _load(url: str, count: int, say: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(_SETUP)
        if await conn.fetchval("SELECT count(*) FROM bench_search_corpus"):
            return
        await _memberships(conn)
        # GIN indexes are built once at the end: much cheaper than maintaining them per row.
        await conn.execute("DROP INDEX IF EXISTS documents_tsv_idx, documents_title_tsv_idx")
        full = CHUNK  # rows of a complete chunk (the last one may be shorter)
        done = {
            row["chunk"]
            for row in await conn.fetch(
                "SELECT (last_seq - 1) / $1 AS chunk, count(*) AS n FROM documents GROUP BY 1",
                full,
            )
            if row["n"] == min(full, count - row["chunk"] * full)
        }
        todo = [i for i in range((count + CHUNK - 1) // CHUNK) if i not in done]
        start = time.monotonic()
        loaded = 0

        async def worker(part: list[int]) -> None:
            nonlocal loaded
            wconn = await asyncpg.connect(url)
            try:
                for index in part:
                    async with wconn.transaction():
                        # A partial chunk (interrupted load) is replaced whole.
                        await wconn.execute(
                            "DELETE FROM documents WHERE last_seq > $1 AND last_seq <= $2",
                            index * CHUNK,
                            (index + 1) * CHUNK,
                        )
                        await wconn.copy_records_to_table(
                            "documents",
                            records=chunk_rows(index, count),
                            columns=[
                                "source_id",
                                "external_id",
                                "title",
                                "content",
                                "permissions",
                                "last_seq",
                            ],
                        )
                    loaded += CHUNK
                    if say:
                        rate = loaded / (time.monotonic() - start)
                        print(
                            f"  {database_name(count)}: chunk {index} ({rate:,.0f}/s)", flush=True
                        )
            finally:
                await wconn.close()

        # Two loaders: the database computes tsvectors while Python generates the next text.
        await asyncio.gather(*(worker(todo[k::LOADERS]) for k in range(LOADERS)))
        await conn.execute("DROP TRIGGER bench_search_tsv ON documents")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute(
            "CREATE INDEX documents_tsv_idx ON documents USING gin (tsv) WITH (fastupdate = on)"
        )
        await conn.execute(
            "CREATE INDEX documents_title_tsv_idx ON documents USING gin (title_tsv)"
        )
        await conn.execute("VACUUM ANALYZE documents")
        await conn.execute(
            "INSERT INTO bench_search_corpus (version, documents) VALUES ($1, $2)",
            CORPUS_VERSION,
            count,
        )
    finally:
        await conn.close()


async def corpus(server_url: str, count: int, say: bool = True) -> str:
    """The URL of the cached corpus of ``count`` documents, built first if needed."""
    name = database_name(count)
    await ensure_database(server_url, name)
    url = database_url(server_url, name)
    await migrate_url(url)
    await _load(url, count, say)
    return url


async def _main(counts: list[int]) -> None:
    pg = server()
    pg.start()
    print(f"cache: {pg.data_dir} ({pg.url()})", flush=True)
    for count in counts:
        await corpus(pg.url(), count)
        print(f"{database_name(count)}: ready", flush=True)


if __name__ == "__main__":
    asyncio.run(_main([int(arg) for arg in sys.argv[1:]]))
