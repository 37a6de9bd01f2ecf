-- Enqueueing into event_queue (protocol §10.1, §10.2) and content blobs (§5.5).

-- name: insert_sweep_event
-- The full-sync sweep request of §10.7, inside the completion transaction. $1: source_id,
-- $2: sync_run_id, $3: payload {sync_run_id, source_id, start_seq}.
INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
VALUES ($1, $2, 'full_sync_sweep', 'sweep', $2, $3::json);

-- name: notify_events
-- Wakes the indexers when the transaction commits (§10.4). $1: source_id.
SELECT pg_notify('sluice_events', $1);

-- name: insert_content_blob
-- Stores a text blob unless its hash exists (§5.5). $1: id, $2: sha256, $3: size_bytes,
-- $4: content, $5: now.
INSERT INTO content_blobs (id, sha256, content_type, size_bytes, content, created_at)
VALUES ($1, $2, 'text/plain', $3, $4, $5)
ON CONFLICT (sha256) DO NOTHING
RETURNING id;

-- name: select_content_blob_id
-- The id of the blob with this hash. $1: sha256.
SELECT id FROM content_blobs WHERE sha256 = $1;

-- name: enqueue_event_batch
-- Checks source and run (FOR SHARE, under the source lock already held) and, when they pass and
-- the events agree with the request, inserts the whole batch in array order, counts document
-- events on the run, touches it and notifies (§4.2, §10.2, §10.4). One statement, one round trip.
-- Returns what the checks saw, so the caller can name the first failure. $1: source_id,
-- $2: sync_run_id, $3: ids agree (bool), $4: event_types, $5: entity_kinds, $6: entity_keys,
-- $7: payloads (one JSON array, element i is event i), $8: document event count, $9: now.
WITH src AS (
    SELECT is_active, is_deleted FROM sources WHERE id = $1 FOR SHARE
), run AS (
    SELECT source_id, status FROM sync_runs WHERE id = $2 FOR SHARE
), accepted AS (
    SELECT 1
    FROM src, run
    WHERE src.is_active AND NOT src.is_deleted
      AND run.source_id = $1 AND run.status = 'running' AND $3::boolean
), inserted AS (
    INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
    SELECT $1, $2, e.event_type, e.entity_kind, e.entity_key, p.payload
    FROM unnest($4::text[], $5::text[], $6::text[])
             WITH ORDINALITY AS e(event_type, entity_kind, entity_key, ord)
         JOIN json_array_elements($7::text::json) WITH ORDINALITY AS p(payload, ord)
             USING (ord)
    WHERE EXISTS (SELECT 1 FROM accepted)
    ORDER BY ord
    RETURNING 1
), counted AS (
    UPDATE sync_runs
    SET documents_emitted = documents_emitted + $8, last_activity_at = $9
    WHERE id = $2 AND EXISTS (SELECT 1 FROM accepted)
    RETURNING 1
)
SELECT (SELECT is_active FROM src) AS source_active,
       (SELECT is_deleted FROM src) AS source_deleted,
       (SELECT source_id FROM run) AS run_source_id,
       (SELECT status FROM run) AS run_status,
       EXISTS (SELECT 1 FROM counted) AS accepted,
       CASE WHEN (SELECT count(*) FROM inserted) > 0
            THEN pg_notify('sluice_events', $1) END AS notified;
