-- The leader's periodic work (protocol §8.2–§8.4, §9.2–§9.5). Candidate queries return one row per
-- source with its schedule and failure streak; what is due is decided in Python (policy.py).
-- Connector resolution (§8.1): per source type, the online connector with the smallest
-- connector_id in byte order.

-- name: select_scheduled_candidates
-- Sources that may be due for a scheduled sync (§9.3): active, not deleted, with a schedule, an
-- online connector listing full or incremental, a free scheduled slot, and either no success, a
-- cron schedule whose latest fire time (computed once per expression per tick) is newer than the
-- last success, or an interval that has elapsed. Streak per §9.4, capped.
-- $1: now, $2: registry ttl seconds, $3: streak walk limit, $4: cron expressions,
-- $5: each expression's latest fire time at or before now (null: never).
WITH resolved AS (
    SELECT DISTINCT ON (t.source_type) t.source_type, c.sync_modes
    FROM connectors c
    CROSS JOIN LATERAL unnest(c.source_types) AS t (source_type)
    WHERE c.last_heartbeat_at > $1::timestamptz - make_interval(secs => $2::float8)
    ORDER BY t.source_type, c.connector_id COLLATE "C"
)
SELECT s.id AS source_id, s.sync_interval_seconds, s.sync_cron, r.sync_modes,
       ok.completed_at AS last_success, st.streak, st.last_failed_at
FROM sources s
JOIN resolved r
    ON r.source_type = s.source_type AND r.sync_modes && ARRAY['full', 'incremental']::text[]
LEFT JOIN LATERAL (
    SELECT h.created_at, h.completed_at
    FROM sync_runs h
    WHERE h.source_id = s.id AND h.slot = 'scheduled' AND h.status = 'completed'
    ORDER BY h.created_at DESC
    LIMIT 1
) ok ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS streak, (array_agg(w.completed_at ORDER BY w.created_at DESC))[1]
           AS last_failed_at
    FROM (
        SELECT f.created_at, f.completed_at
        FROM sync_runs f
        WHERE f.source_id = s.id AND f.slot = 'scheduled'
          AND f.status IN ('failed', 'cancelled') AND f.trigger_type <> 'manual'
          AND f.created_at > coalesce(ok.created_at, '-infinity'::timestamptz)
        ORDER BY f.created_at DESC
        LIMIT $3
    ) w
) st ON true
WHERE s.is_active AND NOT s.is_deleted
  AND (s.sync_interval_seconds IS NOT NULL OR s.sync_cron IS NOT NULL)
  AND NOT EXISTS (
      SELECT 1 FROM sync_runs b
      WHERE b.source_id = s.id AND b.slot = 'scheduled' AND b.status = 'running'
  )
  AND (
      ok.completed_at IS NULL
      OR ok.completed_at < (
          SELECT f.latest FROM unnest($4::text[], $5::timestamptz[]) AS f (expression, latest)
          WHERE f.expression = s.sync_cron)
      OR ok.completed_at + make_interval(secs => s.sync_interval_seconds) <= $1::timestamptz
  );

-- name: select_active_cron_expressions
-- The distinct cron expressions of active, non-deleted sources (a tick computes each one's latest
-- fire time once).
SELECT DISTINCT sync_cron FROM sources
WHERE sync_cron IS NOT NULL AND is_active AND NOT is_deleted;

-- name: select_realtime_candidates
-- Sources whose online connector lists realtime and whose realtime slot is free (§9.5), with the
-- realtime slot's failure streak (§9.4). $1: now, $2: registry ttl seconds, $3: streak walk limit.
WITH resolved AS (
    SELECT DISTINCT ON (t.source_type) t.source_type, c.sync_modes
    FROM connectors c
    CROSS JOIN LATERAL unnest(c.source_types) AS t (source_type)
    WHERE c.last_heartbeat_at > $1::timestamptz - make_interval(secs => $2::float8)
    ORDER BY t.source_type, c.connector_id COLLATE "C"
)
SELECT s.id AS source_id, st.streak, st.last_failed_at
FROM sources s
JOIN resolved r ON r.source_type = s.source_type AND 'realtime' = ANY (r.sync_modes)
LEFT JOIN LATERAL (
    SELECT h.created_at
    FROM sync_runs h
    WHERE h.source_id = s.id AND h.slot = 'realtime' AND h.status = 'completed'
    ORDER BY h.created_at DESC
    LIMIT 1
) ok ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS streak, (array_agg(w.completed_at ORDER BY w.created_at DESC))[1]
           AS last_failed_at
    FROM (
        SELECT f.created_at, f.completed_at
        FROM sync_runs f
        WHERE f.source_id = s.id AND f.slot = 'realtime'
          AND f.status IN ('failed', 'cancelled') AND f.trigger_type <> 'manual'
          AND f.created_at > coalesce(ok.created_at, '-infinity'::timestamptz)
        ORDER BY f.created_at DESC
        LIMIT $3
    ) w
) st ON true
WHERE s.is_active AND NOT s.is_deleted
  AND NOT EXISTS (
      SELECT 1 FROM sync_runs b
      WHERE b.source_id = s.id AND b.slot = 'realtime' AND b.status = 'running'
  )
ORDER BY s.id;

-- name: select_running_counts
-- Running runs in all and per slot class, for the caps (§9.6) before a due-sync phase.
SELECT count(*) AS total,
       count(*) FILTER (WHERE slot = 'scheduled') AS scheduled,
       count(*) FILTER (WHERE slot = 'realtime') AS realtime
FROM sync_runs
WHERE status = 'running';

-- name: select_online_connectors
-- Every online connector, smallest connector_id first (the §8.1 resolution order).
-- $1: now, $2: registry ttl seconds.
SELECT connector_id, connector_url, source_types, sync_modes
FROM connectors
WHERE last_heartbeat_at > $1::timestamptz - make_interval(secs => $2::float8)
ORDER BY connector_id COLLATE "C";

-- name: select_monitor_runs
-- Running runs the monitor examines (§8.2), in id order: not connector-owned, and not a first
-- dispatch still in flight. With the source (gone when missing or deleted), the checkpoints and,
-- for incremental runs, last_sync_at (§6.5). $1: now, $2: dispatch deadline seconds.
SELECT r.id, r.source_id, r.sync_type, r.checkpoint, r.checkpoint_saved, r.resume_attempts,
       r.offline_observations, s.source_type, s.checkpoint AS source_checkpoint,
       (s.id IS NULL OR s.is_deleted) AS source_gone, ok.completed_at AS last_success
FROM sync_runs r
LEFT JOIN sources s ON s.id = r.source_id
LEFT JOIN LATERAL (
    SELECT h.completed_at
    FROM sync_runs h
    WHERE r.sync_type = 'incremental'
      AND h.source_id = r.source_id AND h.slot = 'scheduled' AND h.status = 'completed'
    ORDER BY h.created_at DESC
    LIMIT 1
) ok ON true
WHERE r.status = 'running'
  AND r.trigger_type <> 'connector'
  AND NOT (
      r.dispatched_at IS NULL
      AND r.created_at > $1::timestamptz - make_interval(secs => $2::float8)
  )
ORDER BY r.id;

-- name: add_offline_observation
-- One more tick without an online connector (§8.2 step 2). Returns the new count, or no row when
-- the run is no longer running. $1: run id.
UPDATE sync_runs SET offline_observations = offline_observations + 1
WHERE id = $1 AND status = 'running'
RETURNING offline_observations;

-- name: reset_offline_observations
-- A connector is online again for this run (§8.2 step 2). $1: run id.
UPDATE sync_runs SET offline_observations = 0
WHERE id = $1 AND status = 'running' AND offline_observations <> 0;

-- name: reset_resume_attempts
-- The connector says the run is running (§8.2 step 3), or answered 409 to its resume (step 4).
-- $1: run id.
UPDATE sync_runs SET resume_attempts = 0
WHERE id = $1 AND status = 'running' AND resume_attempts <> 0;

-- name: add_resume_attempt
-- A lost observation (§8.2 step 4). Returns the new count, or no row when the run is no longer
-- running. $1: run id.
UPDATE sync_runs SET resume_attempts = resume_attempts + 1
WHERE id = $1 AND status = 'running'
RETURNING resume_attempts;

-- name: select_stale_runs
-- Running runs of any kind without activity since the cutoff (§8.3), with their source type.
-- $1: cutoff (now - stale_timeout).
SELECT r.id, r.source_id, s.source_type
FROM sync_runs r
LEFT JOIN sources s ON s.id = r.source_id
WHERE r.status = 'running' AND coalesce(r.last_activity_at, r.created_at) < $1::timestamptz
ORDER BY r.id;

-- name: select_runs_of_inactive_sources
-- Running runs whose source is inactive or deleted (§8.4), with the source's state.
SELECT r.id, r.source_id, s.source_type, s.is_deleted
FROM sync_runs r
JOIN sources s ON s.id = r.source_id
WHERE r.status = 'running' AND (NOT s.is_active OR s.is_deleted)
ORDER BY r.id;
