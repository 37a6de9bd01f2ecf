-- The indexer's side of the queue contract (protocol §10) and its application to documents.

-- name: claim_events
-- One claim (§10.4). A due retry row (attempts >= 1) is claimed alone; otherwise up to $2 fresh
-- rows in seq order. A fresh row is kept only when every lower open row of its key is claimed by
-- this same statement, so a key with several pending events moves in one batch and no other
-- worker can hold the same key. A sweep row needs no lower open row of its source at all.
-- $1: now, $2: batch size, $3: claim token (uuid).
WITH retry AS (
    SELECT q.seq
    FROM event_queue q
    WHERE q.status = 'pending' AND q.attempts > 0 AND q.available_at <= $1
      AND NOT EXISTS (
          SELECT 1 FROM event_queue o
          WHERE o.source_id = q.source_id AND o.entity_kind = q.entity_kind
            AND o.entity_key = q.entity_key AND o.seq < q.seq
            AND o.status IN ('pending', 'processing'))
      AND (q.entity_kind <> 'sweep' OR NOT EXISTS (
          SELECT 1 FROM event_queue o
          WHERE o.source_id = q.source_id AND o.seq < q.seq
            AND o.status IN ('pending', 'processing')))
    ORDER BY q.seq
    LIMIT 1
    FOR UPDATE SKIP LOCKED
),
candidates AS (
    SELECT q.seq, q.source_id, q.entity_kind, q.entity_key
    FROM event_queue q
    WHERE q.status = 'pending' AND q.attempts = 0 AND q.available_at <= $1
      AND NOT EXISTS (SELECT 1 FROM retry)
    ORDER BY q.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
),
chosen AS (
    SELECT seq FROM retry
    UNION ALL
    -- LATERAL … LIMIT 1 keeps each check a probe of the open-key index per candidate, where a
    -- NOT EXISTS would be planned as an anti join over every open row of the queue.
    SELECT c.seq
    FROM candidates c
    LEFT JOIN LATERAL (
        SELECT 1 AS found FROM event_queue o
        WHERE o.source_id = c.source_id AND o.entity_kind = c.entity_kind
          AND o.entity_key = c.entity_key AND o.seq < c.seq
          AND o.status IN ('pending', 'processing')
          AND o.seq NOT IN (SELECT seq FROM candidates)
        LIMIT 1
    ) older ON true
    LEFT JOIN LATERAL (
        SELECT 1 AS found FROM event_queue o
        WHERE c.entity_kind = 'sweep' AND o.source_id = c.source_id AND o.seq < c.seq
          AND o.status IN ('pending', 'processing')
        LIMIT 1
    ) unswept ON true
    WHERE older.found IS NULL AND unswept.found IS NULL
)
UPDATE event_queue q
SET status = 'processing', claimed_at = $1, claim_token = $3, attempts = q.attempts + 1
FROM chosen
WHERE q.seq = chosen.seq
RETURNING q.seq, q.source_id, q.sync_run_id, q.event_type, q.entity_kind, q.entity_key,
    q.payload, q.attempts, q.event_digest;

-- name: complete_events
-- Success, conditional on the claim (§10.5): marks the rows completed. Returns the seqs still
-- owned. $1: seq array, $2: claim token, $3: now.
UPDATE event_queue
SET status = 'completed', finished_at = $3
WHERE seq = ANY($1::bigint[]) AND claim_token = $2 AND status = 'processing'
RETURNING seq;

-- name: delete_completed_events
-- Success, conditional on the claim (§10.5), removing the rows at once (retention 0, §10.8).
-- Returns the seqs still owned. $1: seq array, $2: claim token.
DELETE FROM event_queue
WHERE seq = ANY($1::bigint[]) AND claim_token = $2 AND status = 'processing'
RETURNING seq;

-- name: fail_events
-- Failure, conditional on the claim (§10.5): dead letter at $4 attempts, else back to pending
-- after min(300 s, 5 s * 2^(attempts-1)). $1: seq array, $2: error array (same order),
-- $3: claim token, $4: max attempts, $5: now. Returns seq and the new status.
UPDATE event_queue q
SET status = CASE WHEN q.attempts >= $4 THEN 'dead_letter' ELSE 'pending' END,
    available_at = CASE WHEN q.attempts >= $4 THEN q.available_at
        ELSE $5::timestamptz + make_interval(secs => least(300, 5 * power(2, q.attempts - 1)))
    END,
    finished_at = CASE WHEN q.attempts >= $4 THEN $5::timestamptz END,
    last_error = f.error,
    claimed_at = NULL,
    claim_token = NULL
FROM unnest($1::bigint[], $2::text[]) AS f(seq, error)
WHERE q.seq = f.seq AND q.claim_token = $3 AND q.status = 'processing'
RETURNING q.seq, q.status;

-- name: release_events
-- Gives back claimed rows that were not attempted (a lower event of their key failed), without
-- counting the claim. $1: seq array, $2: claim token.
UPDATE event_queue
SET status = 'pending', attempts = greatest(attempts - 1, 0), claimed_at = NULL,
    claim_token = NULL
WHERE seq = ANY($1::bigint[]) AND claim_token = $2 AND status = 'processing';

-- name: expire_claims
-- Visibility timeout (§10.5): claims older than $2 are failures with "claim expired after $3 s".
-- $1: now, $2: oldest valid claimed_at, $3: timeout text, $4: max attempts.
-- Returns seq and the new status.
WITH expired AS (
    SELECT seq FROM event_queue
    WHERE status = 'processing' AND claimed_at < $2
    ORDER BY claimed_at
    LIMIT 10000
    FOR UPDATE SKIP LOCKED
)
UPDATE event_queue q
SET status = CASE WHEN q.attempts >= $4 THEN 'dead_letter' ELSE 'pending' END,
    available_at = CASE WHEN q.attempts >= $4 THEN q.available_at
        ELSE $1::timestamptz + make_interval(secs => least(300, 5 * power(2, q.attempts - 1)))
    END,
    finished_at = CASE WHEN q.attempts >= $4 THEN $1::timestamptz END,
    last_error = 'claim expired after ' || $3 || ' s',
    claimed_at = NULL,
    claim_token = NULL
FROM expired
WHERE q.seq = expired.seq
RETURNING q.seq, q.status;

-- name: upsert_documents
-- document_created / document_updated in bulk (§10.6), keys pairwise distinct. A NULL title,
-- permissions or attributes keeps the stored value. tsv (sluice_document_tsv_v1, migration 0009)
-- is computed here only for new rows and in the update branch only when title or content
-- changed, so re-emitting unchanged documents costs no text analysis. A missing blob leaves
-- content NULL and fails the statement.
-- $1 source_ids, $2 external_ids, $3 content_ids, $4 titles, $5 urls, $6 metadata (json text),
-- $7 permissions (json text), $8 attributes (json text), $9 seqs, $10 sync_run_ids, $11 now,
-- $12 event digests (bytea, NULL where none; migration 0013: the manager compares them).
-- Returns ids whose tsv is missing (a row deleted between snapshot and insert); see repair_tsv.
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::bigint[], $10::text[], $12::bytea[])
        AS i(source_id, external_id, content_id, title, url, metadata, permissions, attributes,
             seq, sync_run_id, event_digest)
),
ready AS (
    SELECT i.source_id, i.external_id, i.content_id, i.url, i.seq, i.sync_run_id, i.event_digest,
        i.metadata::jsonb AS metadata,
        coalesce(i.title, d.title, '') AS title,
        coalesce(i.permissions::jsonb, d.permissions,
                 '{"public": false, "users": [], "groups": []}'::jsonb) AS permissions,
        coalesce(i.attributes::jsonb, d.attributes, '{}'::jsonb) AS attributes,
        b.sha256, b.content, d.id AS stored_id
    FROM input i
    LEFT JOIN content_blobs b ON b.id = i.content_id
    LEFT JOIN documents d ON d.source_id = i.source_id AND d.external_id = i.external_id
    WHERE NOT EXISTS (
        SELECT 1 FROM document_tombstones t
        WHERE t.source_id = i.source_id AND t.external_id = i.external_id AND t.last_seq >= i.seq)
),
upserted AS (
    INSERT INTO documents AS doc (source_id, external_id, title, content, content_id,
        content_sha256, url, metadata, permissions, attributes, last_seq, last_sync_run_id,
        created_at, updated_at, tsv, event_digest)
    SELECT r.source_id, r.external_id, r.title, r.content, r.content_id, r.sha256, r.url,
        r.metadata, r.permissions, r.attributes, r.seq, r.sync_run_id, $11, $11,
        CASE WHEN r.stored_id IS NULL THEN sluice_document_tsv_v1(r.title, r.content) END,
        r.event_digest
    FROM ready r
    ON CONFLICT (source_id, external_id) DO UPDATE
    SET title = excluded.title,
        content = CASE WHEN doc.content_sha256 IS DISTINCT FROM excluded.content_sha256
            THEN excluded.content ELSE doc.content END,
        content_id = excluded.content_id,
        content_sha256 = excluded.content_sha256,
        url = excluded.url,
        metadata = excluded.metadata,
        permissions = excluded.permissions,
        attributes = excluded.attributes,
        last_seq = excluded.last_seq,
        last_sync_run_id = excluded.last_sync_run_id,
        updated_at = excluded.updated_at,
        event_digest = excluded.event_digest,
        tsv = CASE
            WHEN doc.tsv IS NULL OR doc.title IS DISTINCT FROM excluded.title
                 OR doc.content_sha256 IS DISTINCT FROM excluded.content_sha256
            THEN coalesce(excluded.tsv, sluice_document_tsv_v1(excluded.title, excluded.content))
            ELSE doc.tsv
        END
    WHERE doc.last_seq < excluded.last_seq
    RETURNING doc.id, doc.source_id, doc.external_id, doc.last_seq, doc.tsv IS NULL AS stale
),
untombed AS (
    DELETE FROM document_tombstones t
    USING upserted u
    WHERE t.source_id = u.source_id AND t.external_id = u.external_id AND t.last_seq < u.last_seq
)
SELECT id FROM upserted WHERE stale;

-- name: repair_tsv
-- Computes tsv for rows inserted without one (see upsert_documents). $1: document ids.
UPDATE documents
SET tsv = sluice_document_tsv_v1(title, content)
WHERE id = ANY($1::bigint[]) AND tsv IS NULL;

-- name: delete_documents
-- document_deleted in bulk (§10.6), keys pairwise distinct: removes rows older than the event
-- and writes tombstones, also for missing rows, unless a newer row exists.
-- $1 source_ids, $2 external_ids, $3 seqs, $4 now.
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i(source_id, external_id, seq)
),
removed AS (
    DELETE FROM documents d
    USING input i
    WHERE d.source_id = i.source_id AND d.external_id = i.external_id AND d.last_seq < i.seq
)
INSERT INTO document_tombstones AS t (source_id, external_id, last_seq, created_at)
SELECT i.source_id, i.external_id, i.seq, $4
FROM input i
WHERE NOT EXISTS (
    SELECT 1 FROM documents d
    WHERE d.source_id = i.source_id AND d.external_id = i.external_id AND d.last_seq >= i.seq)
ON CONFLICT (source_id, external_id) DO UPDATE
SET last_seq = excluded.last_seq, created_at = excluded.created_at
WHERE t.last_seq < excluded.last_seq;

-- name: sync_groups
-- group_membership_sync in bulk (§10.6), keys pairwise distinct, guarded by groups.last_seq.
-- The name changes only when given; members are replaced by the given (lowercased) set.
-- $1 source_ids, $2 group_emails, $3 names, $4 member lists (json text arrays), $5 seqs, $6 now.
WITH input AS (
    SELECT i.source_id, i.group_email, i.name, i.seq,
        ARRAY(SELECT json_array_elements_text(i.members::json)) AS members
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
        AS i(source_id, group_email, name, members, seq)
),
applied AS (
    INSERT INTO groups AS g (source_id, group_email, name, last_seq, updated_at)
    SELECT source_id, group_email, name, seq, $6 FROM input
    ON CONFLICT (source_id, group_email) DO UPDATE
    SET name = coalesce(excluded.name, g.name), last_seq = excluded.last_seq,
        updated_at = excluded.updated_at
    WHERE g.last_seq < excluded.last_seq
    RETURNING g.source_id, g.group_email
),
dropped AS (
    DELETE FROM group_memberships m
    USING applied a, input i
    WHERE m.source_id = a.source_id AND m.group_email = a.group_email
      AND i.source_id = a.source_id AND i.group_email = a.group_email
      AND m.member_email <> ALL(i.members)
)
INSERT INTO group_memberships (source_id, group_email, member_email)
SELECT i.source_id, i.group_email, unnest(i.members)
FROM input i
JOIN applied a ON a.source_id = i.source_id AND a.group_email = i.group_email
ON CONFLICT DO NOTHING;

-- name: sweep_source_documents
-- Full-sync pruning (§10.7.3): deletes the source's documents with last_seq <= start_seq, except
-- those with a dead-lettered event of the same run and those an event left out of the queue
-- after start_seq named (unchanged_events, migration 0013), and tombstones them with the sweep's
-- seq. unchanged_events rows below the sweep's seq are dropped: a later sweep's start_seq is
-- above it (§10.7.1), so none can need them.
-- $1: source_id, $2: start_seq, $3: sync_run_id, $4: sweep seq, $5: now. Returns the count.
WITH unchanged AS (
    SELECT DISTINCT u.external_id
    FROM unchanged_events e, unnest(e.external_ids) AS u(external_id)
    WHERE e.source_id = $1 AND e.seq > $2
),
pruned AS (
    DELETE FROM documents d
    WHERE d.source_id = $1 AND d.last_seq <= $2
      AND NOT EXISTS (
          SELECT 1 FROM event_queue q
          WHERE q.status = 'dead_letter' AND q.sync_run_id = $3 AND q.source_id = $1
            AND q.entity_kind = 'document' AND q.entity_key = d.external_id)
      AND NOT EXISTS (SELECT 1 FROM unchanged u WHERE u.external_id = d.external_id)
    RETURNING d.external_id
),
forgotten AS (
    DELETE FROM unchanged_events e WHERE e.source_id = $1 AND e.seq < $4
),
tombed AS (
    INSERT INTO document_tombstones AS t (source_id, external_id, last_seq, created_at)
    SELECT $1, external_id, $4, $5 FROM pruned
    ON CONFLICT (source_id, external_id) DO UPDATE
    SET last_seq = excluded.last_seq, created_at = excluded.created_at
    WHERE t.last_seq < excluded.last_seq
)
SELECT count(*) FROM pruned;

-- name: add_runs_processed
-- documents_processed += applied document events; activity touched only while running (§10.6).
-- $1: sync_run_ids (sorted, so concurrent workers lock runs in one order), $2: counts, $3: now.
UPDATE sync_runs r
SET documents_processed = r.documents_processed + i.n,
    last_activity_at = CASE WHEN r.status = 'running' THEN $3 ELSE r.last_activity_at END
FROM unnest($1::text[], $2::bigint[]) AS i(id, n)
WHERE r.id = i.id;

-- name: delete_old_completed_events
-- Retention (§10.8): completed rows finished before $1, at most $2 per call. Returns the count.
WITH gone AS (
    DELETE FROM event_queue
    WHERE seq IN (
        SELECT seq FROM event_queue
        WHERE status = 'completed' AND finished_at < $1
        ORDER BY finished_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: delete_old_dead_letters
-- Retention (§10.8): dead letters finished before $1, at most $2 per call. Returns the count.
WITH gone AS (
    DELETE FROM event_queue
    WHERE seq IN (
        SELECT seq FROM event_queue
        WHERE status = 'dead_letter' AND finished_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: delete_unneeded_unchanged_events
-- Retention (§10.7, migration 0013): unchanged_events rows no sweep can need: their source has no
-- running full run that started before them and no sweep waiting. $1: now (rows written before
-- it), at most $2 per call. Returns the count.
WITH gone AS (
    DELETE FROM unchanged_events e
    WHERE (e.source_id, e.seq) IN (
        SELECT u.source_id, u.seq FROM unchanged_events u
        WHERE u.created_at < $1
          AND NOT EXISTS (
              SELECT 1 FROM sync_runs r
              WHERE r.source_id = u.source_id AND r.status = 'running' AND r.sync_type = 'full'
                AND r.start_seq < u.seq)
          AND NOT EXISTS (
              SELECT 1 FROM event_queue q
              WHERE q.source_id = u.source_id AND q.entity_kind = 'sweep'
                AND q.status IN ('pending', 'processing'))
        LIMIT $2)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: delete_old_tombstones
-- Retention (§10.8): tombstones written before $1, at most $2 per call. Returns the count.
WITH gone AS (
    DELETE FROM document_tombstones
    WHERE (source_id, external_id) IN (
        SELECT source_id, external_id FROM document_tombstones
        WHERE created_at < $1
        LIMIT $2)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: delete_old_blobs
-- Blob retention (§5.5): blobs created before $1 that no document and no unfinished queue row
-- refers to, at most $2 per call. Returns the count.
WITH gone AS (
    DELETE FROM content_blobs b
    WHERE b.id IN (
        SELECT c.id FROM content_blobs c
        WHERE c.created_at < $1
          AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_id = c.id)
          AND NOT EXISTS (
              SELECT 1 FROM event_queue q
              WHERE q.status <> 'completed' AND q.entity_kind = 'document'
                AND q.payload->>'content_id' = c.id)
        LIMIT $2)
    RETURNING 1
)
SELECT count(*) FROM gone;
