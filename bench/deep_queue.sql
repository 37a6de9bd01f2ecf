-- Generating the deep-queue benchmark's template databases (bench/deep_queue.py): many sources
-- with Zipf-skewed backlogs, interleaved in seq order as concurrent syncs would enqueue them.
-- Payloads are small (~230 bytes: a short title and summary, one shared content blob) so that 3M
-- waiting rows, twice (Sluice's queue and the raw one), stay near 3 GB on disk.

-- name: insert_sources
-- One source and one running full-sync run per source: dq-src-N / dq-run-N.
-- $1: number of sources, $2: now.
WITH made AS (
    INSERT INTO sources (id, name, source_type, created_at, updated_at, prune_on_full_sync)
    SELECT 'dq-src-' || i, 'deep queue ' || i, 'bench', $2, $2, false
    FROM generate_series(1, $1::int) i
    RETURNING id
)
INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,
    last_activity_at, dispatched_at)
SELECT replace(id, 'dq-src-', 'dq-run-'), id, 'full', 'manual', 'running', $2, $2, $2 FROM made;

-- name: insert_blob
-- The one content blob every event refers to. $1: id, $2: sha256, $3: content, $4: now.
INSERT INTO content_blobs (id, sha256, content_type, size_bytes, content, created_at)
VALUES ($1, $2, 'text/plain', octet_length($3), $3, $4);

-- name: insert_events
-- $1 document_created events, event i from source k with probability proportional to 1 / k^$3
-- ($2 sources): the source of each row is the bucket of a uniform draw among the Zipf CDF's
-- thresholds. Deterministic for a given setseed. $4: content id, $5: summary text.
WITH weights AS (
    SELECT k, sum(power(k, -$3::float8)) OVER (ORDER BY k) AS running
    FROM generate_series(1, $2::int) k
),
cdf AS (
    SELECT array_agg(running / (SELECT max(running) FROM weights) ORDER BY k) AS bounds
    FROM weights
    WHERE k < $2::int
),
drawn AS (
    SELECT g, 1 + width_bucket(random(), (SELECT bounds FROM cdf)) AS k
    FROM generate_series(1, $1::int) g
)
INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
SELECT 'dq-src-' || k, 'dq-run-' || k, 'document_created', 'document', 'd' || g,
    json_build_object(
        'type', 'document_created', 'document_id', 'd' || g, 'content_id', $4::text,
        'metadata', json_build_object('title', 'deep queue document ' || g,
                                      'extra', json_build_object('summary', $5::text)),
        'permissions', json_build_object('public', true, 'users', '[]'::json,
                                         'groups', '[]'::json))
FROM drawn
ORDER BY g;

-- name: copy_to_raw
-- The raw ceiling's queue: the same rows, the same seqs.
INSERT INTO raw_event_queue OVERRIDING SYSTEM VALUE SELECT * FROM event_queue ORDER BY seq;

-- name: source_sizes
-- Rows per source, largest first (for the benchmark's description of the skew).
SELECT source_id, count(*) AS n FROM event_queue GROUP BY source_id ORDER BY n DESC;
