"""Search at scale: 100k and 1M cached documents (bench/search_corpus.py), a mix of 100 queries.

For each corpus, one client runs the mix through the manager's ``GET /api/search`` (a real manager
process), through the same search steps called directly (raw SQL, no HTTP), and through the search
SQL of before issue 20 (``FULL_RANKING``, kept here as the reference: it ranks every visible match
with ts_rank). Printed: p50/p99 per query class and over the mix, the HTTP/raw ratio, queries/s at
4 clients, and how the top 20 compare with the full ranking's (single terms and phrases: the share
of queries whose top 20 is exactly the full ranking's; several terms: mean and least overlap@20).
``python -m bench search`` runs it; ``SLUICE_BENCH_SEARCH_SIZES=100000`` picks the corpora.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from bench.corpus import _vocabulary
from bench.fixtures import ADMIN_TOKEN, manager_env
from bench.harness import free_port, sampling, spawn, wait_http
from bench.search_corpus import BENCH_USER, corpus, server
from sluice_manager.search.reads import SearchParams, search_documents

SIZES = [int(s) for s in os.environ.get("SLUICE_BENCH_SEARCH_SIZES", "100000,1000000").split(",")]
TOP = 20
CLIENTS = 4
# The mix: class → how many queries.
MIX = {"rare": 15, "medium": 15, "common": 15, "two words": 20, "three words": 15, "phrase": 20}
SINGLE = ("rare", "medium", "common")
# Word frequency bounds of the single-term classes (a word of frequency f is in ~330 f of the
# 2 KB documents): rare < 2e-5 ≤ medium < 3e-4 ≤ common.
RARE_BELOW, COMMON_FROM = 2e-5, 3e-4

# The search SQL before issue 20: every visible match ranked with ts_rank (the full ranking).
FULL_RANKING = """
WITH query AS (SELECT sluice_search_query_v1($1) AS tsq),
hits AS (
    SELECT d.id, ts_rank(d.tsv, query.tsq) AS score
    FROM documents d CROSS JOIN query
    WHERE d.tsv @@ query.tsq
      AND ($2::text IS NULL
        OR coalesce((d.permissions->>'public')::boolean, false)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(d.permissions->'users') AS u(email)
            WHERE lower(btrim(u.email)) = $2)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(d.permissions->'groups') AS g(email)
            WHERE lower(btrim(g.email)) = $3
               OR EXISTS (
                   SELECT 1 FROM group_memberships m
                   WHERE m.source_id = d.source_id AND m.group_email = lower(btrim(g.email))
                     AND m.member_email = $2)))
),
counted AS (SELECT count(*) AS total FROM hits),
page AS (SELECT id, score FROM hits ORDER BY score DESC, id LIMIT $4)
SELECT counted.total, p.id, p.score, d.source_id, d.external_id, d.title, d.url,
    sluice_search_headline_v1(translate(left(d.content, 200000), U&'\\E000\\E001', ''), query.tsq,
        U&'StartSel="\\E000", StopSel="\\E001", '
        'MaxFragments=2, MinWords=8, MaxWords=30, FragmentDelimiter=" … "') AS snippet
FROM counted CROSS JOIN query
LEFT JOIN page p ON true
LEFT JOIN documents d ON d.id = p.id
ORDER BY p.score DESC NULLS LAST, p.id
"""


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


async def _stop_words(conn: asyncpg.Connection, words: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT w FROM unnest($1::text[]) AS w WHERE numnode(sluice_search_query_v1(w)) = 0",
        words,
    )
    return {r["w"] for r in rows}


async def query_mix(conn: asyncpg.Connection, seed: int = 20) -> list[Query]:
    """100 queries drawn from the corpus's word frequencies (phrases: words of a stored text)."""
    words, cumulative = _vocabulary()
    freq = [cumulative[0]] + [b - a for a, b in itertools.pairwise(cumulative)]
    total = cumulative[-1]
    stop = await _stop_words(conn, words[:2000])
    rng = random.Random(seed)

    def draw(accept: Callable[[str, float], bool]) -> str:
        while True:
            i = rng.choices(range(len(words)), cum_weights=cumulative)[0]
            if words[i] not in stop and accept(words[i], freq[i] / total):
                return words[i]

    queries: list[Query] = []
    classes: dict[str, Callable[[str, float], bool]] = {
        "rare": lambda w, f: f < RARE_BELOW,
        "medium": lambda w, f: RARE_BELOW <= f < COMMON_FROM,
        "common": lambda w, f: f >= COMMON_FROM,
    }
    for kind, accept in classes.items():
        queries += [Query(kind, draw(accept)) for _ in range(MIX[kind])]
    for kind, n in (("two words", 2), ("three words", 3)):
        queries += [
            Query(kind, " ".join(draw(lambda w, f: True) for _ in range(n)))
            for _ in range(MIX[kind])
        ]
    top = await conn.fetchval("SELECT max(id) FROM documents")
    while sum(q.kind == "phrase" for q in queries) < MIX["phrase"]:
        text = await conn.fetchval(
            "SELECT content FROM documents WHERE id = $1", rng.randint(1, top)
        )
        tokens = (text or "").replace("\n", " ").split()
        at = rng.randrange(max(1, len(tokens) - 3))
        candidate = " ".join(t.strip(".?!,") for t in tokens[at : at + rng.choice((2, 3))])
        lexemes = await conn.fetchval(
            "SELECT numnode(sluice_search_query_v1($1))", f'"{candidate}"'
        )
        if lexemes >= 3:  # at least two lexemes joined by a phrase operator
            queries.append(Query("phrase", f'"{candidate.lower()}"'))
    return queries


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


Runner = Callable[[Query], Awaitable[list[int]]]


async def _timed(run: Runner, mix: list[Query]) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Latencies (ms) per class and the top ids of every query, one client."""
    times: dict[str, list[float]] = {}
    tops: dict[str, Any] = {}
    for q in mix:
        start = time.perf_counter()
        tops[q.text] = await run(q)
        times.setdefault(q.kind, []).append((time.perf_counter() - start) * 1000)
    return times, tops


async def _throughput(run: Runner, mix: list[Query], clients: int = CLIENTS) -> float:
    start = time.perf_counter()

    async def client(k: int) -> None:
        for q in mix[k:] + mix[:k]:
            await run(q)

    await asyncio.gather(*(client(k * len(mix) // clients) for k in range(clients)))
    return clients * len(mix) / (time.perf_counter() - start)


def _latency_lines(
    label: str, times: dict[str, list[float]], base: dict[str, list[float]]
) -> list[str]:
    out = []
    every = [t for kind in MIX for t in times.get(kind, [])]
    every_base = [t for kind in MIX for t in base.get(kind, [])]
    for kind, values, ref in [
        *((k, times[k], base[k]) for k in MIX if k in times),
        ("mix", every, every_base),
    ]:
        out.append(
            f"  {label:<15} {kind:<12} p50 {_pct(values, 0.5):7.1f} ms"
            f"  p99 {_pct(values, 0.99):7.1f} ms"
            f"   (vs {_pct(ref, 0.5):7.1f} / {_pct(ref, 0.99):7.1f} ms)"
        )
    return out


def _quality(mix: list[Query], got: dict[str, list[int]], full: dict[str, list[int]]) -> list[str]:
    out = []
    for kind in MIX:
        qs = [q for q in mix if q.kind == kind]
        if kind in (*SINGLE, "phrase"):
            exact = sum(got[q.text] == full[q.text] for q in qs)
            misses = [q.text for q in qs if got[q.text] != full[q.text]]
            out.append(
                f"  top {TOP} {kind:<12} exactly the full ranking's: {exact}/{len(qs)}"
                + (f"  (differ: {', '.join(misses[:3])})" if misses else "")
            )
        else:
            overlaps = [
                len(set(got[q.text]) & set(full[q.text])) / len(full[q.text])
                if full[q.text]
                else 1.0
                for q in qs
            ]
            out.append(
                f"  overlap@{TOP} {kind:<12} mean {statistics.mean(overlaps):.3f}"
                f"  least {min(overlaps):.3f}  (target ≥ 0.9)"
            )
    return out


async def run_size(server_url: str, count: int) -> list[str]:
    url = await corpus(server_url, count)
    load = os.getloadavg()[0]
    lines = [f"search at {count:,} documents (user {BENCH_USER}; 60 % public)"]
    pool = await asyncpg.create_pool(url, min_size=CLIENTS, max_size=CLIENTS)
    assert pool is not None
    domain = BENCH_USER.rpartition("@")[2]
    try:
        async with pool.acquire() as conn:
            mix = await query_mix(conn)

        async def raw(q: Query) -> list[int]:
            params = SearchParams.of(q.text, source_id=None, user=BENCH_USER, limit=TOP, offset=0)
            found = await search_documents(pool, params)
            return [r["document_id"] for r in found["results"]]

        async def full(q: Query) -> list[int]:
            rows = await pool.fetch(FULL_RANKING, q.text, BENCH_USER, domain, TOP)
            return [r["id"] for r in rows if r["id"] is not None]

        # Warm the caches once (the first pass reads the corpus from disk), then measure.
        await _timed(raw, mix)
        full_times, full_tops = await _timed(full, mix)
        port = free_port()
        manager = spawn("manager", ["-m", "sluice_cli.main", "manager"], manager_env(url, port))
        try:
            await wait_http(f"http://127.0.0.1:{port}/health")
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            async with aiohttp.ClientSession(headers=headers) as session, sampling([manager]):

                async def http(q: Query) -> list[int]:
                    params = {"q": q.text, "user": BENCH_USER, "limit": str(TOP)}
                    async with session.get(
                        f"http://127.0.0.1:{port}/api/search", params=params
                    ) as resp:
                        body = await resp.json()
                        return [r["document_id"] for r in body["results"]]

                await _timed(http, mix[:10])
                http_times, http_tops = await _timed(http, mix)
                raw_times, _ = await _timed(raw, mix)
                http_qps = await _throughput(http, mix)
                raw_qps = await _throughput(raw, mix)
        finally:
            manager.stop()
    finally:
        await pool.close()
    lines += _latency_lines("sluice HTTP", http_times, full_times)
    lines += _latency_lines("sluice raw SQL", raw_times, full_times)
    every_http = [t for v in http_times.values() for t in v]
    every_raw = [t for v in raw_times.values() for t in v]
    lines.append(
        f"  HTTP/raw SQL: p50 {_pct(every_http, 0.5) / _pct(every_raw, 0.5):.2f}x, "
        f"p99 {_pct(every_http, 0.99) / _pct(every_raw, 0.99):.2f}x; "
        "(vs …) is the full ranking of before issue 20, same run"
    )
    lines.append(
        f"  {CLIENTS} clients: HTTP {http_qps:,.1f} q/s, raw SQL {raw_qps:,.1f} q/s "
        f"(ratio {http_qps / raw_qps:.2f}); manager peak RSS {manager.peak_rss / 2**20:.0f} MB"
    )
    lines += _quality(mix, http_tops, full_tops)
    lines.append(f"  load average (1 min) at start / end: {load:.1f} / {os.getloadavg()[0]:.1f}")
    if count >= 1_000_000:
        lines.append(
            f"  target at 1M (mix, HTTP): p50 {_pct(every_http, 0.5):.1f} ms (≤ 25), "
            f"p99 {_pct(every_http, 0.99):.1f} ms (≤ 150)"
        )
    return lines


async def run(_unused_url: str | None = None) -> list[str]:
    """The corpora live in their own cached cluster, not in the run's fresh database."""
    pg = server()
    pg.start()
    try:
        lines: list[str] = []
        for count in SIZES:
            lines += await run_size(pg.url(), count)
        return lines
    finally:
        pg.stop()


if __name__ == "__main__":
    for text in asyncio.run(run()):
        print(text, flush=True)
