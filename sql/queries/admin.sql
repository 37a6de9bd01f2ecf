-- Admin API reads and writes (runs, queue, dead letters) and the metrics scrape.

-- name: select_runs_page
-- Runs newest first. $1: source_id or null, $2: status or null, $3: limit.
SELECT * FROM sync_runs
WHERE ($1::text IS NULL OR source_id = $1) AND ($2::text IS NULL OR status = $2)
ORDER BY created_at DESC, id DESC
LIMIT $3;

-- name: select_run_counts_by_status
-- Number of runs per status.
SELECT status, count(*) AS n FROM sync_runs GROUP BY status;

-- name: select_queue_counts_by_status
-- Number of queue rows per status. One count per status, so each can use its partial index
-- instead of a scan of the whole (mostly completed) queue.
SELECT 'pending' AS status, count(*) AS n FROM event_queue WHERE status = 'pending'
UNION ALL
SELECT 'processing', count(*) FROM event_queue WHERE status = 'processing'
UNION ALL
SELECT 'completed', count(*) FROM event_queue WHERE status = 'completed'
UNION ALL
SELECT 'dead_letter', count(*) FROM event_queue WHERE status = 'dead_letter';

-- name: select_queue_counts_by_source
-- Number of unfinished and dead-lettered queue rows per source and status (completed rows are
-- retention's business and would make this a scan of the whole queue).
SELECT source_id, status, count(*) AS n FROM event_queue
WHERE status IN ('pending', 'processing', 'dead_letter')
GROUP BY source_id, status
ORDER BY source_id, status;

-- name: select_oldest_pending_created_at
-- created_at of the lowest-seq pending row, or null. Seq order is commit order per source
-- (§10.2), close enough to age order, and it walks the pending index instead of every row.
SELECT created_at FROM event_queue WHERE status = 'pending' ORDER BY seq LIMIT 1;

-- name: select_dead_letters
-- Dead-lettered rows, oldest seq first. $1: source_id or null, $2: limit.
SELECT seq, source_id, sync_run_id, event_type, entity_kind, entity_key, payload, attempts,
       last_error, created_at, finished_at
FROM event_queue
WHERE status = 'dead_letter' AND ($1::text IS NULL OR source_id = $1)
ORDER BY seq
LIMIT $2;

-- name: requeue_dead_letters_by_seq
-- Dead letters back to pending with the same seq (§10.5). $1: seq array, $2: now. Returns count.
WITH moved AS (
    UPDATE event_queue SET status = 'pending', attempts = 0, available_at = $2,
        claimed_at = NULL, claim_token = NULL, finished_at = NULL
    WHERE status = 'dead_letter' AND seq = ANY($1::bigint[])
    RETURNING 1
) SELECT count(*) FROM moved;

-- name: requeue_dead_letters_by_source
-- Every dead letter of one source back to pending (§10.5). $1: source_id, $2: now. Returns count.
WITH moved AS (
    UPDATE event_queue SET status = 'pending', attempts = 0, available_at = $2,
        claimed_at = NULL, claim_token = NULL, finished_at = NULL
    WHERE status = 'dead_letter' AND source_id = $1
    RETURNING 1
) SELECT count(*) FROM moved;

-- name: requeue_all_dead_letters
-- Every dead letter back to pending (§10.5). $1: now. Returns count.
WITH moved AS (
    UPDATE event_queue SET status = 'pending', attempts = 0, available_at = $1,
        claimed_at = NULL, claim_token = NULL, finished_at = NULL
    WHERE status = 'dead_letter'
    RETURNING 1
) SELECT count(*) FROM moved;

-- name: select_registry_counts
-- Registered connectors online and offline (§8.1). $1: now, $2: ttl seconds.
SELECT count(*) FILTER (
           WHERE last_heartbeat_at > $1::timestamptz - make_interval(secs => $2::float8)
       ) AS online,
       count(*) FILTER (
           WHERE last_heartbeat_at <= $1::timestamptz - make_interval(secs => $2::float8)
       ) AS offline
FROM connectors;
