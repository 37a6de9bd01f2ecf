-- Hardening (issue 19): scoped tokens, source owners and per-provider connector configurations.

-- Bearer tokens an admin mints for one principal (protocol §2). Only the SHA-256 of a token is
-- kept: tokens are 256 random bits, so an unsalted digest cannot be reversed, and lookups go
-- through the unique index. `kind` says what a token opens: a 'connector' token opens /sdk/...
-- for one connector_id and the source types listed; 'mcp' is reserved for MCP clients, whose
-- limits come with them. A revoked token is kept (revoked_at set) so listings show its history.
CREATE TABLE scoped_tokens (
    id           text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('connector', 'mcp')),
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    name         text NOT NULL DEFAULT '',
    connector_id text,
    source_types text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT scoped_tokens_connector_id CHECK (kind <> 'connector' OR connector_id IS NOT NULL)
);

-- The person who owns a source (GET /sdk/source/{id}/user-email, §4.7); set by admins.
ALTER TABLE sources ADD COLUMN owner_email text;

-- One configuration object per provider (e.g. an OAuth app's client id and secret), encrypted
-- like credentials (nonce || AES-GCM ciphertext); GET /sdk/connector-configs/{provider}, §4.7.
CREATE TABLE connector_configs (
    provider         text PRIMARY KEY,
    config_encrypted bytea NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
