-- Scoped tokens (protocol §2) and what a connector token may reach, read by
-- sluice_manager.connector_tokens.

-- name: insert_scoped_token
-- A new token, stored as its SHA-256. $1 id, $2 kind, $3 token_sha256, $4 name, $5 connector_id,
-- $6 source_types, $7 now.
INSERT INTO scoped_tokens (id, kind, token_sha256, name, connector_id, source_types, created_at)
VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
RETURNING id, kind, name, connector_id, source_types, created_at, last_used_at, revoked_at;

-- name: select_live_scoped_token
-- The unrevoked token of one kind with this digest, if any. $1: token_sha256, $2: kind.
SELECT id, kind, token_sha256, name, connector_id, source_types, created_at, last_used_at,
       revoked_at
FROM scoped_tokens
WHERE token_sha256 = $1 AND kind = $2 AND revoked_at IS NULL;

-- name: touch_scoped_token
-- Records a use, at most once per $3 seconds (a write per request would be one too many).
-- $1: id, $2: now, $3: seconds.
UPDATE scoped_tokens SET last_used_at = $2
WHERE id = $1
  AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - make_interval(secs => $3::float8));

-- name: select_scoped_tokens
-- Tokens of one kind, newest first, revoked ones included; never the digest.
-- $1: kind, $2: connector_id or null for all.
SELECT id, kind, name, connector_id, source_types, created_at, last_used_at, revoked_at
FROM scoped_tokens
WHERE kind = $1 AND ($2::text IS NULL OR connector_id = $2)
ORDER BY created_at DESC, id DESC;

-- name: revoke_scoped_token
-- Revokes a token of one kind (a revoked one keeps its first revocation time).
-- $1: id, $2: kind, $3: now.
UPDATE scoped_tokens SET revoked_at = coalesce(revoked_at, $3)
WHERE id = $1 AND kind = $2
RETURNING id, kind, name, connector_id, source_types, created_at, last_used_at, revoked_at;

-- name: select_source_type_of_source
-- The type of a source, deleted or not. $1: source_id.
SELECT source_type FROM sources WHERE id = $1;

-- name: select_source_type_of_run
-- The type of the source a run belongs to. $1: sync_run_id.
SELECT s.source_type FROM sync_runs r JOIN sources s ON s.id = r.source_id WHERE r.id = $1;

-- name: provider_serves_source_types
-- Whether a live source of one of the types has a credential naming the provider.
-- $1: provider, $2: source_types.
SELECT EXISTS (
    SELECT 1 FROM sources s JOIN credentials c ON c.source_id = s.id
    WHERE c.provider = $1 AND s.source_type = ANY ($2::text[]) AND NOT s.is_deleted
);
