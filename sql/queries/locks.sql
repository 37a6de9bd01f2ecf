-- Advisory locks shared by manager and indexer. Two-int keys (class, id) never collide with the
-- single-bigint migration lock. Order when several are taken: trigger lock, source lock, run row.

-- name: lock_source
-- The source lock of protocol §10.2, held to the end of the transaction. $1: source_id.
SELECT pg_advisory_xact_lock(1, hashtext($1));

-- name: lock_trigger
-- The manager-wide trigger lock of protocol §9.6, held to the end of the transaction.
SELECT pg_advisory_xact_lock(2, 0);

-- name: try_lock_leader
-- Leadership (protocol §9.1): session lock on a dedicated connection. Returns true when taken.
SELECT pg_try_advisory_lock(3, 0);

-- name: unlock_leader
-- Gives up leadership on this connection.
SELECT pg_advisory_unlock(3, 0);
