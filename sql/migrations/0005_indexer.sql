-- Indexer (issue 6). documents.tsv becomes a plain column that the indexer's upsert maintains: a
-- STORED generated column is recomputed on every UPDATE of the row, and text analysis is most of
-- the cost of indexing, so re-emitting an unchanged document must not pay for it again.
ALTER TABLE documents DROP COLUMN tsv;
ALTER TABLE documents ADD COLUMN tsv tsvector;
CREATE INDEX documents_tsv_idx ON documents USING gin (tsv) WITH (fastupdate = on);
-- Re-emitting an unchanged document (every full sync) should be a HOT update: no new entries in
-- the GIN index. That needs every indexed column unchanged, and last_seq changes each time, so the
-- (source_id, last_seq) index goes; the sweep reads a source's rows through the unique
-- (source_id, external_id) index instead. Free space per page lets the new version stay there.
DROP INDEX documents_source_seq_idx;
ALTER TABLE documents SET (fillfactor = 80);

-- Claim: due retry rows are found without walking every pending row (protocol §10.4).
CREATE INDEX event_queue_retry_idx ON event_queue (seq) WHERE status = 'pending' AND attempts > 0;
-- Claim: a sweep waits for every lower open row of its source (§10.4, §10.7).
CREATE INDEX event_queue_open_source_idx ON event_queue (source_id, seq)
    WHERE status IN ('pending', 'processing');
-- Sweep: documents with a dead-lettered event of the run are kept (§10.7.3).
CREATE INDEX event_queue_dead_run_idx ON event_queue (sync_run_id, entity_key)
    WHERE status = 'dead_letter';
-- Retention of tombstones (§10.8).
CREATE INDEX document_tombstones_created_idx ON document_tombstones (created_at);
