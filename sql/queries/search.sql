-- Search over documents, served by the manager (issue 6). Title (weight A) ranks above body (B).
-- Queries and snippets use the text-search functions of migration 0009, the ones the indexer
-- builds documents.tsv with; matching stays on documents.tsv, which documents_tsv_idx indexes.

-- Search is done in bounded steps (issue 20; docs/performance.md, "Search at scale"): read the
-- query, the planner's estimate of its matches and the user's reader tokens once
-- (search_prepare), then rank. One lexeme: its title tier (search_rank_title_tier, exactly the
-- full ranking's order, proof in docs/performance.md). Several lexemes expected to match more
-- than a cap: the best candidates of the title tier (search_rank_candidates). Otherwise, or when
-- a tier runs out before the page does: every visible match with the full ranking
-- (search_rank_all). search_page builds the snippets of the returned page only. Visibility: documents.readers && the user's tokens; no tokens (NULL),
-- no filter. The tsquery and tokens are parameters, so the planner sees them (no CTE hides them).

-- name: search_prepare
-- The websearch query (sluice_search_query_v1) and what the steps need to know of it, and the
-- reader tokens of the user (NULL when $2 is NULL): '*', 'u:<email>', 'd:<domain>', and one
-- 'g:<len(source)>:<source>:<group>' per membership (documents.readers, migration 0012).
-- nodes: numnode of the query (1 = one lexeme); phrase: it holds a phrase operator; negated: it
-- holds a NOT; any_query: its lexemes OR-ed (NULL when it has none).
-- $1: query text, $2: user email (lowercased) or NULL, $3: user email domain (lowercased) or NULL.
WITH query AS (
    SELECT sluice_search_query_v1($1) AS tsq
),
lexemes AS (
    SELECT array_agg(DISTINCT m[1]) AS words
    FROM query, regexp_matches(query.tsq::text, '''((?:[^'']|'''')*)''', 'g') AS m
)
SELECT query.tsq, numnode(query.tsq) AS nodes,
    query.tsq::text ~ '<(-|[0-9]+)>' AS phrase,
    position('!' IN query.tsq::text) > 0 AS negated,
    (SELECT string_agg('''' || w || '''', ' | ') FROM unnest(lexemes.words) AS w)::tsquery
        AS any_query,
    CASE WHEN $2::text IS NOT NULL THEN
        ARRAY['*', 'u:' || $2::text, 'd:' || $3::text]
        || ARRAY(SELECT 'g:' || length(m.source_id) || ':' || m.source_id || ':' || m.group_email
                 FROM group_memberships m WHERE m.member_email = $2::text)
    END AS tokens
FROM query, lexemes;

-- name: search_estimate
-- The planner's estimate of how many documents match $1 (sluice_search_estimate_v1, migration
-- 0012): statistics only, no scan. $1: tsquery.
SELECT sluice_search_estimate_v1($1::tsquery);

-- name: search_count_capped
-- How many visible documents match $1, counting up to $4 (a result of $4 means "$4 or more").
-- $1: tsquery, $2: source_id or NULL, $3: reader tokens or NULL, $4: cap.
SELECT count(*) AS total
FROM (
    SELECT 1 FROM documents d
    WHERE d.tsv @@ $1::tsquery
      AND ($2::text IS NULL OR d.source_id = $2)
      AND ($3::text[] IS NULL OR d.readers && $3::text[])
    LIMIT $4
) AS capped;

-- name: search_rank_all
-- The full ranking (ts_rank over tsv, title weighing above body) of every visible match;
-- matched: how many there are. $1: tsquery, $2: source_id or NULL, $3: reader tokens or NULL,
-- $4: limit, $5: offset.
SELECT d.id, ts_rank(d.tsv, $1::tsquery) AS score, count(*) OVER () AS matched
FROM documents d
WHERE d.tsv @@ $1::tsquery
  AND ($2::text IS NULL OR d.source_id = $2)
  AND ($3::text[] IS NULL OR d.readers && $3::text[])
ORDER BY score DESC, d.id
LIMIT $4 OFFSET $5;

-- name: search_rank_title_tier
-- For a one-lexeme query: the visible documents with the lexeme in their title, ranked with
-- ts_rank over title_tsv, which equals ts_rank over tsv for them, and each of which outranks every
-- document without the lexeme in its title (matched: how many visible documents that tier
-- holds, a lower bound of the total). $6: also check tsv (the query holds a NOT).
-- $1: tsquery, $2: source_id or NULL, $3: reader tokens or NULL, $4: limit, $5: offset, $6.
SELECT d.id, ts_rank(d.title_tsv, $1::tsquery) AS score, count(*) OVER () AS matched
FROM documents d
WHERE d.title_tsv @@ $1::tsquery
  AND CASE WHEN $6::boolean THEN d.tsv @@ $1::tsquery ELSE true END
  AND ($2::text IS NULL OR d.source_id = $2)
  AND ($3::text[] IS NULL OR d.readers && $3::text[])
ORDER BY score DESC, d.id
LIMIT $4 OFFSET $5;

-- name: search_rank_candidates
-- For a query of several lexemes with many matches: the visible documents with a lexeme of the
-- query in their title ($6), the $7 best by ts_rank of any_query over title_tsv (more query
-- lexemes in the title, and more occurrences of those, first), then ranked with the full
-- ranking among those that match $1 (matched: how many do).
-- $1: tsquery, $2: source_id or NULL, $3: reader tokens or NULL, $4: limit, $5: offset,
-- $6: any_query (search_prepare), $7: how many candidates at most.
SELECT d.id, ts_rank(d.tsv, $1::tsquery) AS score, count(*) OVER () AS matched
FROM (
    SELECT t.id
    FROM documents t
    WHERE t.title_tsv @@ $6::tsquery
      AND ($2::text IS NULL OR t.source_id = $2)
      AND ($3::text[] IS NULL OR t.readers && $3::text[])
    ORDER BY ts_rank(t.title_tsv, $6::tsquery) DESC, t.id
    LIMIT $7
) AS c
JOIN documents d ON d.id = c.id
WHERE d.tsv @@ $1::tsquery
ORDER BY score DESC, d.id
LIMIT $4 OFFSET $5;

-- name: search_page
-- The hits of one page, in the given order, with snippets: ts_headline over the first 200,000
-- characters (it re-parses its input, and texts reach 5 MiB). ts_headline copies the document's
-- text, HTML included, around its markers: the markers here are the private-use characters
-- U+E000 and U+E001 (first removed from the text), so that the caller can escape the snippet
-- and then put in the only markup. $1: ids (best first), $2: tsquery.
SELECT d.id, d.source_id, d.external_id, d.title, d.url,
    sluice_search_headline_v1(translate(left(d.content, 200000), U&'\E000\E001', ''),
        $2::tsquery,
        U&'StartSel="\E000", StopSel="\E001", '
        'MaxFragments=2, MinWords=8, MaxWords=30, FragmentDelimiter=" … "') AS snippet
FROM unnest($1::bigint[]) WITH ORDINALITY AS p(id, n)
JOIN documents d ON d.id = p.id
ORDER BY p.n;

-- name: select_document
-- One document by its id, for GET /api/documents/{id}. $1: id.
SELECT id, source_id, external_id, title, url, content, content_id, content_sha256, metadata,
    permissions, attributes, last_seq, last_sync_run_id, created_at, updated_at
FROM documents
WHERE id = $1;
