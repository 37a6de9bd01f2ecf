-- Enqueueing a batch of events (protocol §4.2, §10.2) as one function called by one statement.
-- The caller runs it as a single SELECT in an implicit transaction: one round trip instead of
-- BEGIN, lock, statement, COMMIT, and the source lock is held only for the server-side work and
-- the commit, never across client round trips. The lock is taken first and released by the
-- commit, so for one source sequence order equals commit order (§10.2); a failed check or any
-- error writes nothing.
--
-- p_payloads[i] is the payload of event i: the event as the connector wrote it, or the manager's
-- own serialisation of the validated event when the text differs from it (§5.2 size, §1.3
-- timestamps). The `json` type keeps the text as written. Callers build the array in the
-- statement's arguments, so the JSON is parsed before the lock is taken: batches of one source
-- queue behind the lock, and whatever can run outside it should. Arrays of unequal length leave
-- NULLs in unnest's rows, which the NOT NULL constraints turn into an error: nothing is written.
--
-- Payloads are stored out of line and uncompressed (STORAGE EXTERNAL). A 2 KB event is just over
-- the TOAST threshold, and compressing it with pglz (the only method this build may have) was
-- about 40% of the database CPU of an enqueue, all of it spent holding the source lock, which
-- caps the ingest rate of a source. Out of line, the claim and completion updates also stop
-- copying the payload into each new row version; the indexer reads it once per event either way.
ALTER TABLE event_queue ALTER COLUMN payload SET STORAGE EXTERNAL;

CREATE FUNCTION sluice_enqueue_events(
    p_source_id text,
    p_sync_run_id text,
    p_ids_agree boolean,
    p_event_types text[],
    p_entity_kinds text[],
    p_entity_keys text[],
    p_payloads json[],
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
        INSERT INTO event_queue
            (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
        SELECT p_source_id, p_sync_run_id, e.event_type, e.entity_kind, e.entity_key, e.payload
        FROM unnest(p_event_types, p_entity_kinds, p_entity_keys, p_payloads)
                 WITH ORDINALITY AS e(event_type, entity_kind, entity_key, payload, ord)
        ORDER BY ord;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        UPDATE sync_runs
        SET documents_emitted = documents_emitted + p_document_events,
            last_activity_at = p_now
        WHERE id = p_sync_run_id;
        IF inserted > 0 THEN
            PERFORM pg_notify('sluice_events', p_source_id);
        END IF;
    END IF;
    RETURN NEXT;
END;
$$;
