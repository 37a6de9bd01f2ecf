-- Sources and their credentials (protocol §4.0, §4.7), read and written by sluice_manager.sources.

-- name: select_source_by_id
-- One source, deleted or not. $1: source_id.
SELECT * FROM sources WHERE id = $1;

-- name: select_active_sources_by_type
-- Active, non-deleted sources of one type, newest created_at first (§4.7). $1: source_type.
SELECT * FROM sources
WHERE source_type = $1 AND NOT is_deleted AND is_active
ORDER BY created_at DESC, id DESC;

-- name: select_credential_by_source
-- The one credential of a source, or none. $1: source_id.
SELECT * FROM credentials WHERE source_id = $1;

-- name: update_source_connector_state
-- Replaces connector_state whatever the runs do (§4.7). $1: source_id, $2: state (jsonb), $3: now.
-- Returns the id when the source exists.
UPDATE sources SET connector_state = $2, updated_at = $3 WHERE id = $1 RETURNING id;

-- name: insert_source
-- A new source. $1 id, $2 name, $3 source_type, $4 config, $5 is_active, $6 sync_interval_seconds,
-- $7 sync_cron, $8 user_filter_mode, $9 user_whitelist, $10 user_blacklist, $11 prune_on_full_sync,
-- $12 created_by, $13 now (created_at and updated_at), $14 descriptor_slug, $15 descriptor_version
-- (both null unless the source is declarative).
INSERT INTO sources (
    id, name, source_type, config, is_active, sync_interval_seconds, sync_cron,
    user_filter_mode, user_whitelist, user_blacklist, prune_on_full_sync, created_by,
    created_at, updated_at, descriptor_slug, descriptor_version
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)
RETURNING *;

-- name: update_source_descriptor_pin
-- Moves a live declarative source to another descriptor version (an explicit upgrade).
-- $1 id, $2 descriptor_slug, $3 descriptor_version, $4 now.
UPDATE sources SET descriptor_slug = $2, descriptor_version = $3, updated_at = $4
WHERE id = $1 AND NOT is_deleted
RETURNING id;

-- name: update_source_settings
-- Writes every admin-editable field of a live source (the caller merged the patch).
-- $1 id, $2 name, $3 config, $4 is_active, $5 sync_interval_seconds, $6 sync_cron,
-- $7 user_filter_mode, $8 user_whitelist, $9 user_blacklist, $10 prune_on_full_sync, $11 now.
UPDATE sources SET
    name = $2, config = $3, is_active = $4, sync_interval_seconds = $5, sync_cron = $6,
    user_filter_mode = $7, user_whitelist = $8, user_blacklist = $9, prune_on_full_sync = $10,
    updated_at = $11
WHERE id = $1 AND NOT is_deleted
RETURNING *;

-- name: select_source_for_update
-- A live source, row-locked for a read-modify-write. $1: source_id.
SELECT * FROM sources WHERE id = $1 AND NOT is_deleted FOR UPDATE;

-- name: soft_delete_source
-- Marks a source deleted and inactive; data is purged later. $1: source_id, $2: now.
UPDATE sources SET is_deleted = true, is_active = false, deleted_at = $2, updated_at = $2
WHERE id = $1 AND NOT is_deleted
RETURNING id;

-- name: select_sources_page
-- Non-deleted sources with their credential metadata (never the secret), newest first.
-- $1: source_type or null for all, $2: limit.
SELECT s.*, c.id AS credential_id, c.provider, c.auth_type, c.principal_email, c.expires_at,
       c.created_at AS credential_created_at, c.updated_at AS credential_updated_at
FROM sources s LEFT JOIN credentials c ON c.source_id = s.id
WHERE NOT s.is_deleted AND ($1::text IS NULL OR s.source_type = $1)
ORDER BY s.created_at DESC, s.id DESC
LIMIT $2;

-- name: upsert_credential
-- The one credential of a source, replaced whole. $1 id, $2 source_id, $3 provider, $4 auth_type,
-- $5 principal_email, $6 secret_encrypted, $7 config, $8 expires_at, $9 now.
INSERT INTO credentials (
    id, source_id, provider, auth_type, principal_email, secret_encrypted, config, expires_at,
    created_at, updated_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (source_id) DO UPDATE SET
    provider = excluded.provider, auth_type = excluded.auth_type,
    principal_email = excluded.principal_email, secret_encrypted = excluded.secret_encrypted,
    config = excluded.config, expires_at = excluded.expires_at, updated_at = excluded.updated_at;

-- name: select_deleted_source_ids
-- Soft-deleted sources awaiting purge, oldest deletion first. $1: deleted before, $2: limit.
SELECT id FROM sources WHERE is_deleted AND deleted_at <= $1 ORDER BY deleted_at, id LIMIT $2;

-- name: delete_source_documents_batch
-- Removes up to $2 documents of source $1; returns how many went.
WITH gone AS (
    DELETE FROM documents WHERE id IN (
        SELECT id FROM documents WHERE source_id = $1 LIMIT $2
    ) RETURNING 1
) SELECT count(*) FROM gone;

-- name: delete_source_tombstones_batch
-- Removes up to $2 tombstones of source $1; returns how many went.
WITH gone AS (
    DELETE FROM document_tombstones WHERE (source_id, external_id) IN (
        SELECT source_id, external_id FROM document_tombstones WHERE source_id = $1 LIMIT $2
    ) RETURNING 1
) SELECT count(*) FROM gone;

-- name: delete_source_groups_batch
-- Removes up to $2 groups of source $1 (memberships cascade); returns how many went.
WITH gone AS (
    DELETE FROM groups WHERE (source_id, group_email) IN (
        SELECT source_id, group_email FROM groups WHERE source_id = $1 LIMIT $2
    ) RETURNING 1
) SELECT count(*) FROM gone;

-- name: delete_source_queue_batch
-- Removes up to $2 open and $2 finished queue rows of source $1 (each through its partial index);
-- returns how many went.
WITH gone AS (
    DELETE FROM event_queue WHERE seq IN (
        (SELECT seq FROM event_queue
         WHERE source_id = $1 AND status IN ('pending', 'processing') LIMIT $2)
        UNION ALL
        (SELECT seq FROM event_queue
         WHERE source_id = $1 AND status IN ('completed', 'dead_letter') LIMIT $2)
    ) RETURNING 1
) SELECT count(*) FROM gone;

-- name: delete_purged_source
-- Removes a soft-deleted source row with no running run left (runs and credential cascade).
-- $1: source_id. Returns the id when removed.
DELETE FROM sources s WHERE s.id = $1 AND s.is_deleted
  AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.source_id = s.id AND r.status = 'running')
RETURNING s.id;

-- name: delete_credential
-- Removes the credential of a source. $1: source_id.
DELETE FROM credentials WHERE source_id = $1;

-- name: select_live_source_with_credential
-- A non-deleted source and its credential metadata (never the secret). $1: source_id.
SELECT s.*, c.id AS credential_id, c.provider, c.auth_type, c.principal_email, c.expires_at,
       c.created_at AS credential_created_at, c.updated_at AS credential_updated_at
FROM sources s LEFT JOIN credentials c ON c.source_id = s.id
WHERE s.id = $1 AND NOT s.is_deleted;

-- name: update_credential_secret
-- Replaces the encrypted secret of a source's credential (OAuth tokens merged in after consent).
-- $1 source_id, $2 secret_encrypted, $3 expires_at, $4 now. Returns the id when there is one.
UPDATE credentials SET secret_encrypted = $2, expires_at = $3, last_validated_at = $4,
    updated_at = $4
WHERE source_id = $1
RETURNING id;

-- name: insert_oauth_state
-- A consent in progress (one use). $1 state, $2 source_id, $3 code_verifier, $4 redirect_uri,
-- $5 now, $6 expires_at.
INSERT INTO oauth_states (state, source_id, code_verifier, redirect_uri, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: select_oauth_state
-- A consent in progress that has not expired. $1 state, $2 now.
SELECT * FROM oauth_states WHERE state = $1 AND expires_at > $2;

-- name: delete_oauth_state
-- Uses up a state; returns its source when it was still there. $1 state.
DELETE FROM oauth_states WHERE state = $1 RETURNING source_id;

-- name: delete_expired_oauth_states
-- Removes the consents that expired at or before $1.
DELETE FROM oauth_states WHERE expires_at <= $1;

-- name: update_credential_validated
-- Records that a source's credential passed its test endpoint. $1 source_id, $2 now.
UPDATE credentials SET last_validated_at = $2 WHERE source_id = $1;

-- name: update_source_owner_email
-- Sets or clears the owner of a live source (§4.7 user-email). $1 id, $2 owner_email, $3 now.
UPDATE sources SET owner_email = $2, updated_at = $3
WHERE id = $1 AND NOT is_deleted
RETURNING id;
