-- Run lifecycle (protocol §4.6, §6.2, §10.7). Every transition matches only a running row.

-- name: select_run
-- One run with every column. $1: sync_run_id.
SELECT id, source_id, sync_type, slot, trigger_type, status, created_at, completed_at,
       last_activity_at, dispatched_at, checkpoint, checkpoint_saved, documents_scanned,
       documents_updated, documents_emitted, documents_processed, error_message,
       resume_attempts, offline_observations, start_seq
FROM sync_runs
WHERE id = $1;

-- name: select_run_for_update
-- Locks one run row (after the source lock, §10.2). $1: sync_run_id.
SELECT id, source_id, sync_type, status, checkpoint, checkpoint_saved, documents_emitted, start_seq
FROM sync_runs
WHERE id = $1
FOR UPDATE;

-- name: select_run_source_id
-- The source of a run, read without locks to know which source lock to take. $1: sync_run_id.
SELECT source_id FROM sync_runs WHERE id = $1;

-- name: finish_run
-- Marks a running run failed or cancelled. $1: sync_run_id, $2: status, $3: error_message, $4: now.
UPDATE sync_runs
SET status = $2, error_message = $3, completed_at = $4
WHERE id = $1 AND status = 'running'
RETURNING id;

-- name: complete_run_row
-- Marks a running run completed. $1: sync_run_id, $2: now.
UPDATE sync_runs
SET status = 'completed', completed_at = $2
WHERE id = $1 AND status = 'running'
RETURNING id;

-- name: promote_source_checkpoint
-- On completion: the source takes the run's checkpoint when the run saved one (even null), and
-- always a fresh updated_at. Returns prune_on_full_sync and source_type (whose connector decides
-- the sweep, §10.7). $1: source_id, $2: promote (bool), $3: checkpoint, $4: now.
UPDATE sources
SET checkpoint = CASE WHEN $2::boolean THEN $3::jsonb ELSE checkpoint END,
    updated_at = $4
WHERE id = $1
RETURNING prune_on_full_sync, source_type;

-- name: touch_run
-- Refreshes a running run's activity. $1: sync_run_id, $2: now.
UPDATE sync_runs SET last_activity_at = $2 WHERE id = $1 AND status = 'running';

-- name: touch_idle_run
-- touch_run, except within a second of the last touch: liveness counts in minutes (§8.3), and a
-- write per stored text would make every POST /sdk/content of a re-sync, whose texts are already
-- stored, commit and flush the WAL. $1: sync_run_id, $2: now.
UPDATE sync_runs SET last_activity_at = $2
WHERE id = $1 AND status = 'running'
  AND (last_activity_at IS NULL OR last_activity_at < $2::timestamptz - interval '1 second');

-- name: add_run_scanned
-- documents_scanned += count and touch. $1: sync_run_id, $2: count, $3: now.
UPDATE sync_runs
SET documents_scanned = documents_scanned + $2, last_activity_at = $3
WHERE id = $1 AND status = 'running';

-- name: add_run_updated
-- documents_updated += count and touch. $1: sync_run_id, $2: count, $3: now.
UPDATE sync_runs
SET documents_updated = documents_updated + $2, last_activity_at = $3
WHERE id = $1 AND status = 'running';

-- name: save_run_checkpoint
-- Stores the run's checkpoint (null included) and marks it saved. $1: sync_run_id,
-- $2: checkpoint, $3: now.
UPDATE sync_runs
SET checkpoint = $2::jsonb, checkpoint_saved = true, last_activity_at = $3
WHERE id = $1 AND status = 'running';
