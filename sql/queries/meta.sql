-- Queries of the data layer itself: health and migrations.

-- name: select_health
-- Cheapest round trip proving the database answers.
SELECT 1;

-- name: lock_migrations
-- Session advisory lock serialising migration runners. $1: lock key.
SELECT pg_advisory_lock($1);

-- name: unlock_migrations
-- Releases the migration lock. $1: lock key.
SELECT pg_advisory_unlock($1);

-- name: create_schema_migrations
-- Bookkeeping table of applied migrations.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- name: select_applied_migrations
-- Every applied migration, in order.
SELECT version, name, checksum FROM schema_migrations ORDER BY version;

-- name: insert_applied_migration
-- Records one applied migration. $1: version, $2: name, $3: checksum.
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3);
