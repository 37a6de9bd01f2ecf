-- Enqueueing into event_queue (protocol §10.1, §10.2) and content blobs (§5.5).

-- name: insert_sweep_event
-- The full-sync sweep request of §10.7, inside the completion transaction. $1: source_id,
-- $2: sync_run_id, $3: payload {sync_run_id, source_id, start_seq}, $4: event type
-- (queue_contract.SWEEP_EVENT_TYPE).
INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
VALUES ($1, $2, $4, 'sweep', $2, $3::json);

-- name: notify_events
-- Wakes the indexers when the transaction commits (§10.4). $1: source_id, $2: channel
-- (queue_contract.EVENTS_CHANNEL).
SELECT pg_notify($2, $1);

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
-- Takes the source lock, checks source and run (FOR SHARE) and, when they pass and the events
-- agree with the request, inserts the batch in array order, counts document events on the run,
-- touches it and notifies; all in the one implicit transaction of this statement (§4.2, §10.2,
-- §10.4; migration 0007). Returns what the checks saw, so the caller can name the first failure.
-- $1: source_id, $2: sync_run_id, $3: ids agree (bool), $4: event_types, $5: entity_kinds,
-- $6: entity_keys, $7: payloads (JSON array text, element i is event i), $8: document event
-- count, $9: now, $10: event digests (bytea array, element i that of event i, or NULL; migration
-- 0013: an event whose document it would not change is left out of the queue).
SELECT source_active, source_deleted, run_source_id, run_status, accepted
FROM sluice_enqueue_events_v2(
    $1, $2, $3, $4, $5, $6, ARRAY(SELECT json_array_elements($7::text::json)), $10::bytea[],
    $8, $9
);

-- name: enqueue_event_list
-- enqueue_event_batch with the payloads already apart: $7 is a text array, element i the JSON
-- text of event i. $1-$6, $8-$10: as enqueue_event_batch.
SELECT source_active, source_deleted, run_source_id, run_status, accepted
FROM sluice_enqueue_events_v2($1, $2, $3, $4, $5, $6, $7::text[]::json[], $10::bytea[], $8, $9);

-- name: enqueue_event_batch_body
-- enqueue_event_batch with the payloads taken from the "events" member of a whole request body,
-- for a body whose events array cannot be cut out of the text cheaply. $1-$6, $8, $9: as
-- enqueue_event_batch; $7: the request body (JSON object text); $10: as enqueue_event_batch.
SELECT source_active, source_deleted, run_source_id, run_status, accepted
FROM sluice_enqueue_events_v2(
    $1, $2, $3, $4, $5, $6,
    ARRAY(SELECT json_array_elements(($7::text::json) -> 'events')), $10::bytea[], $8, $9
);
