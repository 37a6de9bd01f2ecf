"""Search's tiers against the full ranking (issue 20; docs/performance.md, "Search at scale").

The full ranking is the search of before the tiers: every visible match ranked with ts_rank over
documents.tsv, permissions read from documents.permissions. Checked here: a one-lexeme query's
top 20 is exactly the full ranking's when it comes from the title tier (a cap far below the
matches of the common words forces that tier); phrases and queries of several words whose
matches are within the cap keep the full ranking's top 20 (search_rank_all reads each tsv once
and finds documents through the relaxed query); what a user sees is what the permissions allow.
How the candidates tier of several-word queries compares at 100k and 1M documents is measured by
``python -m bench search`` (overlap@20), not asserted here.
"""

from __future__ import annotations

import random
import statistics

import asyncpg
import pytest

from sluice_manager.search.reads import SearchLimits, SearchParams, search_documents

# Small enough that a thousand documents exceed them: every tier is exercised.
LIMITS = SearchLimits(cap=40, candidates=100)
TOP = 20
DOCUMENTS = 1200
# A Zipf-like vocabulary: a few very common words, a long tail.
VOCABULARY = [
    f"{stem}{suffix}"
    for stem in (
        "harbor",
        "lantern",
        "meadow",
        "copper",
        "thistle",
        "quarry",
        "falcon",
        "ember",
        "willow",
        "cobalt",
        "saddle",
        "orchid",
        "tundra",
        "garnet",
        "beacon",
        "marble",
    )
    for suffix in ("", "ix", "ova", "umbra", "ette")
]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
USER, DOMAIN = "reader@corp.example", "corp.example"
GROUP = "crew@corp.example"

# The search of before the tiers, kept as the reference.
FULL_RANKING = """
SELECT d.id
FROM documents d, sluice_search_query_v1($1) AS q(tsq)
WHERE d.tsv @@ q.tsq
  AND ($2::text IS NULL
    OR coalesce((d.permissions->>'public')::boolean, false)
    OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.permissions->'users') AS u(email)
               WHERE lower(btrim(u.email)) = $2)
    OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.permissions->'groups') AS g(email)
               WHERE lower(btrim(g.email)) = $3
                  OR EXISTS (SELECT 1 FROM group_memberships m
                             WHERE m.source_id = d.source_id
                               AND m.group_email = lower(btrim(g.email))
                               AND m.member_email = $2)))
ORDER BY ts_rank(d.tsv, q.tsq) DESC, d.id
LIMIT $4
"""


def _permissions(rng: random.Random) -> dict[str, object]:
    roll = rng.random()
    if roll < 0.6:
        return {"public": True, "users": [], "groups": []}
    if roll < 0.7:
        return {"public": False, "users": [f" {USER.upper()} "], "groups": []}
    if roll < 0.8:
        return {"public": False, "users": [], "groups": [GROUP]}
    if roll < 0.85:
        return {"public": False, "users": [], "groups": [DOMAIN]}
    return {"public": False, "users": ["someone@else.example"], "groups": ["other@corp.example"]}


async def _corpus(pool: asyncpg.Pool) -> random.Random:
    rng = random.Random(20)

    def words(n: int) -> str:
        return " ".join(rng.choices(VOCABULARY, weights=WEIGHTS, k=n))

    rows = [
        (
            "s",
            f"d{i}",
            words(rng.randint(2, 6)),
            words(rng.randint(40, 160)),
            i + 1,
            _permissions(rng),
        )
        for i in range(DOCUMENTS)
    ]
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO groups (source_id, group_email, last_seq) VALUES ('s', $1, 1)", GROUP
        )
        await conn.execute(
            "INSERT INTO group_memberships (source_id, group_email, member_email)"
            " VALUES ('s', $1, $2)",
            GROUP,
            USER,
        )
        await conn.executemany(
            "INSERT INTO documents (source_id, external_id, title, content, last_seq, permissions,"
            " tsv) VALUES ($1, $2, $3, $4, $5, $6::jsonb, sluice_document_tsv_v1($3, $4))",
            rows,
        )
        await conn.execute("ANALYZE documents")
    return rng


async def _compare(
    pool: asyncpg.Pool, query: str, user: str | None, limits: SearchLimits = LIMITS
) -> tuple[list[int], list[int], bool]:
    """(tiered top 20, full ranking's top 20, whether the tiered total is a lower bound)."""
    params = SearchParams.of(query, source_id=None, user=user, limit=TOP, offset=0)
    found = await search_documents(pool, params, limits)
    domain = user.rpartition("@")[2] if user else None
    full = await pool.fetch(FULL_RANKING, query, user, domain, TOP)
    return (
        [r["document_id"] for r in found["results"]],
        [r["id"] for r in full],
        found["total_is_lower_bound"],
    )


@pytest.mark.parametrize("user", [USER, None], ids=["as_user", "unfiltered"])
async def test_one_lexeme_top_20_is_exactly_the_full_rankings(
    db_pool: asyncpg.Pool, user: str | None
) -> None:
    await _corpus(db_pool)
    tiered = 0
    for word in VOCABULARY:
        got, full, lower_bound = await _compare(db_pool, word, user)
        assert got == full, word
        tiered += lower_bound
    # The common words took the title tier (a lower-bound total), the rare ones the full ranking.
    assert 0 < tiered < len(VOCABULARY)


async def test_phrases_top_20_is_exactly_the_full_rankings(db_pool: asyncpg.Pool) -> None:
    rng = await _corpus(db_pool)
    async with db_pool.acquire() as conn:
        texts = [r["content"] for r in await conn.fetch("SELECT content FROM documents LIMIT 40")]
    for text in texts:
        words = text.split()
        at = rng.randrange(len(words) - 3)
        phrase = '"' + " ".join(words[at : at + rng.choice((2, 3))]) + '"'
        got, full, _ = await _compare(db_pool, phrase, USER, SearchLimits())
        assert got == full, phrase


async def test_several_words_overlap_the_full_ranking(db_pool: asyncpg.Pool) -> None:
    rng = await _corpus(db_pool)
    overlaps = []
    for _ in range(40):
        query = " ".join(rng.choices(VOCABULARY, weights=WEIGHTS, k=rng.choice((2, 3))))
        got, full, lower_bound = await _compare(db_pool, query, USER, SearchLimits())
        overlaps.append(len(set(got) & set(full)) / len(full) if full else 1.0)
        assert not lower_bound
    assert statistics.mean(overlaps) >= 0.9, overlaps


async def test_a_user_sees_only_what_the_permissions_allow(db_pool: asyncpg.Pool) -> None:
    await _corpus(db_pool)
    async with db_pool.acquire() as conn:
        secret = await conn.fetchval(
            "INSERT INTO documents (source_id, external_id, title, content, last_seq, permissions,"
            " tsv) VALUES ('s', 'secret', 'zephyr', 'zephyr notes', 1, $1::jsonb,"
            " sluice_document_tsv_v1('zephyr', 'zephyr notes')) RETURNING id",
            {"public": False, "users": [], "groups": [GROUP]},
        )

    async def ids(user: str | None) -> list[int]:
        params = SearchParams.of("zephyr", source_id=None, user=user, limit=TOP, offset=0)
        return [r["document_id"] for r in (await search_documents(db_pool, params))["results"]]

    assert await ids(USER) == [secret]  # a member of the group
    assert await ids("stranger@corp.example") == []  # same domain, not a member
    assert await ids(None) == [secret]  # no user: no filter
    async with db_pool.acquire() as conn:
        # A permissions change is a change of the readers column too (a generated column).
        await conn.execute(
            "UPDATE documents SET permissions = $1::jsonb WHERE id = $2",
            {"public": False, "users": ["stranger@corp.example"], "groups": []},
            secret,
        )
    assert await ids(USER) == []
    assert await ids("Stranger@Corp.Example") == [secret]
