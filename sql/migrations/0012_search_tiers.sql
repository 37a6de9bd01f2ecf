-- Search at scale (issue 20): two columns that let a query do bounded work at a million documents.
-- Both are generated from what the indexer already writes (tsv, permissions, source_id), so no writer
-- changes and the columns cannot drift from their inputs.
--
-- documents.title_tsv: the lexemes of tsv that occur in the title (weight A), each with ALL its
-- positions, title and body alike. Its GIN index (documents_title_tsv_idx) holds ~5 keys per
-- document instead of ~250, and the value is small enough to stay inline (no TOAST read).
-- For a document whose title holds every lexeme of a query, ts_rank and @@ over title_tsv equal
-- ts_rank and @@ over tsv (the rank reads only the query lexemes' positions, and these are
-- complete); search ranks that tier without reading tsv. See docs/performance.md (search).
--
-- documents.readers: who may see the document, as tokens matched with && against the tokens of
-- the searching user (resolved once per query, sql/queries/search.sql): '*' for public,
-- 'u:<email>' per user, and per group entry both 'd:<entry>' (the entry as an email domain) and
-- 'g:<len(source_id)>:<source_id>:<entry>' (membership of that group in the document's source).
-- Emails and entries lowercased and trimmed, as search compared them before. public counts when it
-- reads as true ('true', 't', 'yes', 'y', 'on', '1', any case); a malformed list counts as empty.

-- Built from C functions only (a set-returning unnest costs three times as much per document):
-- tsv without the lexemes of (tsv without the title's lexemes).
CREATE FUNCTION sluice_title_lexemes_v1(tsv tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ts_delete(tsv, tsvector_to_array(ts_delete(tsv,
        tsvector_to_array(ts_filter(tsv, '{a}')))));

COMMENT ON FUNCTION sluice_title_lexemes_v1(tsvector) IS
    'documents.title_tsv: the lexemes of tsv with a title (A) position, with all their positions.';

CREATE FUNCTION sluice_document_readers_v1(source_id text, permissions jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(array_agg(DISTINCT r.token), '{}'::text[])
    FROM (
        SELECT '*' AS token
        WHERE lower(btrim(permissions ->> 'public')) IN ('true', 't', 'yes', 'y', 'on', '1')
        UNION ALL
        SELECT 'u:' || lower(btrim(u.email))
        FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(permissions -> 'users') = 'array'
            THEN permissions -> 'users' ELSE '[]'::jsonb END) AS u(email)
        UNION ALL
        SELECT t.token
        FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(permissions -> 'groups') = 'array'
            THEN permissions -> 'groups' ELSE '[]'::jsonb END) AS g(email)
        CROSS JOIN LATERAL (VALUES
            ('d:' || lower(btrim(g.email))),
            ('g:' || length(source_id) || ':' || source_id || ':' || lower(btrim(g.email)))
        ) AS t(token)
    ) AS r;
END;

COMMENT ON FUNCTION sluice_document_readers_v1(text, jsonb) IS
    'documents.readers: the reader tokens of a document (see migration 0012).';

ALTER TABLE documents
    ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (sluice_title_lexemes_v1(tsv)) STORED,
    ADD COLUMN readers text[] GENERATED ALWAYS AS
        (sluice_document_readers_v1(source_id, permissions)) STORED;

CREATE INDEX documents_title_tsv_idx ON documents USING gin (title_tsv);

-- How many documents the planner expects to match a query (its statistics of documents.tsv,
-- no scan): search picks its plan with it (search.sql, search_prepare). The query is quoted
-- into the EXPLAIN as a literal, so the estimate is the value's own, never a generic plan's.
CREATE FUNCTION sluice_search_estimate_v1(query tsquery) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM documents WHERE tsv @@ %L::tsquery',
        query::text) INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$;

COMMENT ON FUNCTION sluice_search_estimate_v1(tsquery) IS
    'The planner''s estimate of the documents matching query (no scan).';
