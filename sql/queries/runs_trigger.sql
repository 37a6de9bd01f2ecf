-- Run creation and dispatch bookkeeping of the trigger (protocol §9.6, §4.8). Creation runs in one
-- transaction that first takes lock_trigger, then lock_source (locks.sql).

-- name: select_trigger_counts
-- Slot and cap checks of §9.6 step 6, read under the trigger and source locks.
-- $1: source_id, $2: slot ('scheduled' or 'realtime').
SELECT
    EXISTS (
        SELECT 1 FROM sync_runs
        WHERE source_id = $1 AND slot = $2 AND status = 'running'
    ) AS slot_busy,
    (SELECT count(*) FROM sync_runs WHERE status = 'running') AS running_total,
    (SELECT count(*) FROM sync_runs WHERE status = 'running' AND slot = $2) AS running_in_slot;

-- name: insert_running_run
-- Inserts a running run (§9.6 step 6). start_seq (§10.7.1) is the event_queue sequence's last
-- allocated value: read under the source lock, every later event of this source gets a higher seq.
-- $1: id, $2: source_id, $3: sync_type, $4: trigger_type, $5: now.
INSERT INTO sync_runs (
    id, source_id, sync_type, trigger_type, status, created_at, last_activity_at, start_seq
)
VALUES (
    $1, $2, $3, $4, 'running', $5, $5,
    coalesce(pg_sequence_last_value(pg_get_serial_sequence('event_queue', 'seq')::regclass), 0)
);

-- name: select_last_success
-- last_sync_at of §6.5: completed_at of the newest completed full or incremental run (the
-- history index finds it without reading the whole history). $1: source_id.
SELECT completed_at AS last_success
FROM sync_runs
WHERE source_id = $1 AND slot = 'scheduled' AND status = 'completed'
ORDER BY created_at DESC
LIMIT 1;

-- name: mark_run_dispatched
-- An accepted first dispatch (§9.6 step 8); only while running. $1: run id, $2: now.
UPDATE sync_runs SET dispatched_at = $2
WHERE id = $1 AND status = 'running';

-- name: touch_resumed_run
-- A resume dispatch was accepted (§8.2 step 4): refresh activity; a first dispatch that never
-- reported arrival counts as arrived too. $1: run id, $2: now.
UPDATE sync_runs
SET last_activity_at = $2, dispatched_at = coalesce(dispatched_at, $2)
WHERE id = $1 AND status = 'running';
