-- Search over documents, served by the manager (issue 6). Title (weight A) ranks above body (B).
-- Queries and snippets use the text-search functions of migration 0009, the ones the indexer
-- builds documents.tsv with; matching stays on documents.tsv, which documents_tsv_idx indexes.

-- name: search_documents
-- Ranked full-text search with websearch syntax (sluice_search_query_v1); snippets are built
-- only for the returned page, from the first 200,000 characters (ts_headline re-parses its
-- input, and texts reach 5 MiB). ts_headline copies the document's text, HTML included, around
-- its markers: the markers here are the private-use characters U+E000 and U+E001 (first removed
-- from the text), so that the caller can escape the snippet and then put in the only markup.
-- When $3 is given, only documents the user may see: public ones, those naming the user's email,
-- and those naming a group the user belongs to (memberships of the same source) or the user's
-- email domain. Emails compare lowercased. One row per hit; with no hit on the page, one row
-- with a NULL id that still carries the total.
-- $1: query text, $2: source_id or NULL, $3: user email (lowercased) or NULL,
-- $4: user email domain (lowercased) or NULL, $5: limit, $6: offset.
WITH query AS (
    SELECT sluice_search_query_v1($1) AS tsq
),
hits AS (
    SELECT d.id, ts_rank(d.tsv, query.tsq) AS score
    FROM documents d CROSS JOIN query
    WHERE d.tsv @@ query.tsq
      AND ($2::text IS NULL OR d.source_id = $2)
      AND ($3::text IS NULL
        OR coalesce((d.permissions->>'public')::boolean, false)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(d.permissions->'users') AS u(email)
            WHERE lower(btrim(u.email)) = $3)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(d.permissions->'groups') AS g(email)
            WHERE lower(btrim(g.email)) = $4
               OR EXISTS (
                   SELECT 1 FROM group_memberships m
                   WHERE m.source_id = d.source_id AND m.group_email = lower(btrim(g.email))
                     AND m.member_email = $3)))
),
counted AS (
    SELECT count(*) AS total FROM hits
),
page AS (
    SELECT id, score FROM hits ORDER BY score DESC, id LIMIT $5 OFFSET $6
)
SELECT counted.total, p.id, p.score, d.source_id, d.external_id, d.title, d.url,
    sluice_search_headline_v1(translate(left(d.content, 200000), U&'\E000\E001', ''), query.tsq,
        U&'StartSel="\E000", StopSel="\E001", '
        'MaxFragments=2, MinWords=8, MaxWords=30, FragmentDelimiter=" … "') AS snippet
FROM counted
CROSS JOIN query
LEFT JOIN page p ON true
LEFT JOIN documents d ON d.id = p.id
ORDER BY p.score DESC NULLS LAST, p.id;

-- name: select_document
-- One document by its id, for GET /api/documents/{id}. $1: id.
SELECT id, source_id, external_id, title, url, content, content_id, content_sha256, metadata,
    permissions, attributes, last_seq, last_sync_run_id, created_at, updated_at
FROM documents
WHERE id = $1;
