-- Reads of the operator console (sluice_manager.console) that no API route makes.

-- name: select_last_runs_of_sources
-- The newest run of each source in $1 (text[]), in one statement for the sources list.
SELECT r.*
FROM unnest($1::text[]) AS s(id)
CROSS JOIN LATERAL (
    SELECT * FROM sync_runs WHERE source_id = s.id ORDER BY created_at DESC, id DESC LIMIT 1
) r;

-- name: select_last_successes_of_sources
-- select_last_success (last_sync_at of §6.5) for each source in $1 (text[]) that has one.
SELECT s.id AS source_id, l.completed_at AS last_success
FROM unnest($1::text[]) AS s(id)
CROSS JOIN LATERAL (
    SELECT completed_at FROM sync_runs
    WHERE source_id = s.id AND slot = 'scheduled' AND status = 'completed'
    ORDER BY created_at DESC
    LIMIT 1
) l;
