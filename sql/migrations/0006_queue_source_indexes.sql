-- The claim checks each candidate for an older open row of its own key (protocol §10.3) with a probe
-- of event_queue_open_key_idx. A (source_id, seq) index over open rows competes for that probe, and
-- before the queue has statistics (a freshly filled queue) the planner picked it: every candidate
-- then walked all lower open rows of its source, making a claim quadratic in the backlog (measured:
-- 130 ms for 500 rows of a 10,000-row backlog, 1.3 s at 5,000 with the range dropped).
-- Only indexes the probe cannot use remain for per-source reads: open rows are reached through the
-- key index's source_id prefix, finished rows through their own partial index.
DROP INDEX event_queue_open_source_idx;
DROP INDEX event_queue_source_idx;
CREATE INDEX event_queue_finished_source_idx ON event_queue (source_id, seq)
    WHERE status IN ('completed', 'dead_letter');
