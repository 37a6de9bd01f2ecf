-- Re-syncs of unchanged content (issue 20): the manager leaves out of the queue a document event
-- that would not change its document, so an unchanged full re-sync writes almost nothing.
-- See protocol §10.2 and §10.7, and docs/performance.md (re-sync).
--
-- event_queue.event_digest / documents.event_digest: the SHA-256 of a document_created or
-- document_updated event's text as queued, its top-level sync_run_id member cut out (the only
-- member that differs when a connector emits the same document again; see
-- sluice_manager.queue.digests). The manager writes it into the queue row; the indexer copies it
-- into the document it applies the event to. NULL where the manager computed none: the event is
-- then always queued.
--
-- unchanged_events: the events the manager did not queue, per enqueue transaction: the source, a
-- seq taken from the queue's own sequence in that transaction (so it orders against start_seq
-- exactly as a queued event would, §10.7.1) and the document ids. The full-sync sweep counts them
-- as touched; the sweep and the indexer's retention pass delete them once no sweep can need them.
-- One row per batch instead of one write per document: a narrow row holding ~100 ids.

ALTER TABLE documents ADD COLUMN event_digest bytea;

ALTER TABLE event_queue ADD COLUMN event_digest bytea;

CREATE TABLE unchanged_events (
    source_id text NOT NULL,
    seq bigint NOT NULL,
    external_ids text[] NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (source_id, seq)
);

-- sluice_enqueue_events (0007) plus p_digests (element i: event i's digest, or NULL). An event is
-- left out of the queue when all of these hold, judged in one statement (one snapshot):
--   * it has a digest, and its document's stored event_digest equals it (the document is what
--     applying the event again would make it: blobs are immutable, so the same content_id is the
--     same text, and applying an event twice gives what applying it once gave);
--   * its document id occurs once among the batch's events (an earlier event of the batch could
--     change the document first);
--   * no event of its document is pending or processing (the stored digest is that of the last
--     event applied, and a queued one would change the document after it);
--   * no full-sync sweep of the source is pending or processing (a sweep deletes what was not
--     touched since its start_seq; a skip that its snapshot misses must not count on a row it is
--     about to delete).
-- Left-out events still count in documents_emitted, and in documents_processed at once (§10.6:
-- an event that changes nothing counts as processed).
CREATE FUNCTION sluice_enqueue_events_v2(
    p_source_id text,
    p_sync_run_id text,
    p_ids_agree boolean,
    p_event_types text[],
    p_entity_kinds text[],
    p_entity_keys text[],
    p_payloads json[],
    p_digests bytea[],
    p_document_events integer,
    p_now timestamptz
)
RETURNS TABLE (
    source_active boolean,
    source_deleted boolean,
    run_source_id text,
    run_status text,
    accepted boolean
)
LANGUAGE plpgsql
AS $$
DECLARE
    inserted bigint;
    unchanged bigint[];
    unchanged_ids text[];
BEGIN
    -- The source lock: the same key as the named query lock_source (§10.2).
    PERFORM pg_advisory_xact_lock(1, hashtext(p_source_id));
    SELECT s.is_active, s.is_deleted INTO source_active, source_deleted
    FROM sources s WHERE s.id = p_source_id FOR SHARE;
    SELECT r.source_id, r.status INTO run_source_id, run_status
    FROM sync_runs r WHERE r.id = p_sync_run_id FOR SHARE;
    accepted := coalesce(
        source_active AND NOT source_deleted
        AND run_source_id = p_source_id AND run_status = 'running' AND p_ids_agree,
        false
    );
    IF accepted THEN
        IF p_digests IS NOT NULL THEN
            WITH events AS (
                SELECT e.entity_kind, e.entity_key, e.digest, e.ord,
                    count(*) OVER (PARTITION BY e.entity_kind, e.entity_key) AS occurrences
                FROM unnest(p_entity_kinds, p_entity_keys, p_digests)
                    WITH ORDINALITY AS e(entity_kind, entity_key, digest, ord)
            )
            SELECT array_agg(e.ord ORDER BY e.ord), array_agg(e.entity_key ORDER BY e.ord)
            INTO unchanged, unchanged_ids
            FROM events e
            JOIN documents d ON d.source_id = p_source_id AND d.external_id = e.entity_key
            WHERE e.digest IS NOT NULL AND e.entity_kind = 'document' AND e.occurrences = 1
              AND d.event_digest = e.digest
              AND NOT EXISTS (
                  SELECT 1 FROM event_queue o
                  WHERE o.source_id = p_source_id AND o.entity_kind = 'document'
                    AND o.entity_key = e.entity_key AND o.status IN ('pending', 'processing'))
              AND NOT EXISTS (
                  SELECT 1 FROM event_queue o
                  WHERE o.source_id = p_source_id AND o.entity_kind = 'sweep'
                    AND o.status IN ('pending', 'processing'));
        END IF;
        IF unchanged IS NOT NULL THEN
            INSERT INTO unchanged_events (source_id, seq, external_ids, created_at)
            VALUES (p_source_id, nextval('event_queue_seq_seq'), unchanged_ids, p_now);
        END IF;
        INSERT INTO event_queue
            (source_id, sync_run_id, event_type, entity_kind, entity_key, payload, event_digest)
        SELECT p_source_id, p_sync_run_id, e.event_type, e.entity_kind, e.entity_key, e.payload,
            p_digests[e.ord::integer]
        FROM unnest(p_event_types, p_entity_kinds, p_entity_keys, p_payloads)
                 WITH ORDINALITY AS e(event_type, entity_kind, entity_key, payload, ord)
        WHERE unchanged IS NULL OR e.ord <> ALL (unchanged)
        ORDER BY ord;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        UPDATE sync_runs
        SET documents_emitted = documents_emitted + p_document_events,
            documents_processed = documents_processed + coalesce(cardinality(unchanged), 0),
            last_activity_at = p_now
        WHERE id = p_sync_run_id;
        IF inserted > 0 THEN
            PERFORM pg_notify('sluice_events', p_source_id);
        END IF;
    END IF;
    RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION sluice_enqueue_events_v2(text, text, boolean, text[], text[], text[], json[],
    bytea[], integer, timestamptz) IS
    'Enqueue a batch under the source lock, leaving out document events that change nothing.';
