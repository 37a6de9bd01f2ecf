-- Per-provider connector configurations (protocol §4.7), encrypted, read by
-- sluice_manager.connector_configs.

-- name: upsert_connector_config
-- Stores a provider's configuration, replacing it whole (created_at is kept).
-- $1 provider, $2 config_encrypted, $3 now.
INSERT INTO connector_configs (provider, config_encrypted, created_at, updated_at)
VALUES ($1, $2, $3, $3)
ON CONFLICT (provider) DO UPDATE
SET config_encrypted = excluded.config_encrypted, updated_at = excluded.updated_at
RETURNING provider, config_encrypted, created_at, updated_at;

-- name: select_connector_config
-- One provider's configuration. $1: provider.
SELECT provider, config_encrypted, created_at, updated_at FROM connector_configs
WHERE provider = $1;

-- name: select_connector_configs
-- Every provider's configuration, by provider in byte order.
SELECT provider, config_encrypted, created_at, updated_at FROM connector_configs
ORDER BY provider COLLATE "C";

-- name: delete_connector_config
-- Removes a provider's configuration; returns the provider when there was one. $1: provider.
DELETE FROM connector_configs WHERE provider = $1 RETURNING provider;
