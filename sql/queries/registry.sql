-- The connector registry (protocol §4.1, §8.1). Online: now - last_heartbeat_at < ttl.

-- name: touch_connector
-- The registration hot path: a known, online connector re-sending the very manifest it sent last
-- time (same body digest, hence same URL). Returns its id when the row matched. $1: connector_id,
-- $2: manifest_sha256, $3: now, $4: ttl seconds.
UPDATE connectors
SET last_heartbeat_at = $3
WHERE connector_id = $1
  AND manifest_sha256 = $2
  AND last_heartbeat_at > $3::timestamptz - make_interval(secs => $4::float8)
RETURNING connector_id;

-- name: heartbeat_connector
-- A known, online connector at the same URL with a changed manifest (no health check needed).
-- Returns its id when the row matched. $1: connector_id, $2: connector_url, $3: manifest,
-- $4: source_types, $5: sync_modes, $6: manifest_sha256, $7: now, $8: ttl seconds.
UPDATE connectors
SET manifest = $3::jsonb, source_types = $4::text[], sync_modes = $5::text[],
    manifest_sha256 = $6, last_heartbeat_at = $7
WHERE connector_id = $1
  AND connector_url = $2
  AND last_heartbeat_at > $7::timestamptz - make_interval(secs => $8::float8)
RETURNING connector_id;

-- name: upsert_connector
-- Registers a new, offline or moved connector; the last registration wins. $1: connector_id,
-- $2: connector_url, $3: manifest, $4: source_types, $5: sync_modes, $6: manifest_sha256,
-- $7: now.
INSERT INTO connectors (connector_id, connector_url, manifest, source_types, sync_modes,
                        manifest_sha256, first_seen_at, last_heartbeat_at)
VALUES ($1, $2, $3::jsonb, $4::text[], $5::text[], $6, $7, $7)
ON CONFLICT (connector_id) DO UPDATE
SET connector_url = excluded.connector_url,
    manifest = excluded.manifest,
    source_types = excluded.source_types,
    sync_modes = excluded.sync_modes,
    manifest_sha256 = excluded.manifest_sha256,
    last_heartbeat_at = excluded.last_heartbeat_at;

-- name: select_online_connectors_for_type
-- Online connectors listing a source type, smallest connector_id in byte order first (§8.1).
-- $1: source_type, $2: now, $3: ttl seconds.
SELECT connector_id, connector_url, manifest, source_types, sync_modes, first_seen_at,
       last_heartbeat_at
FROM connectors
WHERE source_types @> ARRAY[$1::text]
  AND last_heartbeat_at > $2::timestamptz - make_interval(secs => $3::float8)
ORDER BY connector_id COLLATE "C";

-- name: select_latest_connector_for_type
-- The most recently registered connector listing a source type, online or not. $1: source_type.
SELECT connector_id, connector_url, manifest, source_types, sync_modes, first_seen_at,
       last_heartbeat_at
FROM connectors
WHERE source_types @> ARRAY[$1::text]
ORDER BY last_heartbeat_at DESC, connector_id COLLATE "C"
LIMIT 1;

-- name: select_connectors
-- Every registered connector, by connector_id in byte order.
SELECT connector_id, connector_url, manifest, source_types, sync_modes, first_seen_at,
       last_heartbeat_at
FROM connectors
ORDER BY connector_id COLLATE "C";

-- name: select_connector
-- One connector by id. $1: connector_id.
SELECT connector_id, connector_url, manifest, source_types, sync_modes, first_seen_at,
       last_heartbeat_at
FROM connectors
WHERE connector_id = $1;

-- name: flush_heartbeats
-- Coalesced heartbeats of connectors whose stored manifest digest this replica knows. Only rows
-- still holding that digest and still online move (never backwards); returns the ids that moved.
-- $1: connector_ids, $2: manifest_sha256s, $3: heartbeat times, $4: ttl seconds.
UPDATE connectors AS c
SET last_heartbeat_at = GREATEST(c.last_heartbeat_at, b.at)
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS b (connector_id, manifest_sha256, at)
WHERE c.connector_id = b.connector_id
  AND c.manifest_sha256 = b.manifest_sha256
  AND c.last_heartbeat_at > b.at - make_interval(secs => $4::float8)
RETURNING c.connector_id;

-- name: delete_offline_connector
-- Removes a connector that is offline (§8.1: no heartbeat for ttl seconds); returns its id when
-- removed. $1: connector_id, $2: now, $3: ttl seconds.
DELETE FROM connectors
WHERE connector_id = $1
  AND last_heartbeat_at <= $2::timestamptz - make_interval(secs => $3::float8)
RETURNING connector_id;
