-- Sluice first schema. Follows ../shared/docs/protocol.md; later issues extend it with new files.

-- Registry (protocol §8.1). One row per connector_id; offline rows are kept.
CREATE TABLE connectors (
    connector_id      text PRIMARY KEY,
    connector_url     text NOT NULL,
    manifest          jsonb NOT NULL,
    source_types      text[] NOT NULL DEFAULT '{}',
    sync_modes        text[] NOT NULL DEFAULT '{}',
    first_seen_at     timestamptz NOT NULL,
    last_heartbeat_at timestamptz NOT NULL
);
CREATE INDEX connectors_source_types_idx ON connectors USING gin (source_types);
CREATE INDEX connectors_last_heartbeat_idx ON connectors (last_heartbeat_at);

-- Configured sources (protocol §4.0 Source object).
CREATE TABLE sources (
    id                    text PRIMARY KEY,
    name                  text NOT NULL,
    source_type           text NOT NULL,
    config                jsonb NOT NULL DEFAULT '{}',
    is_active             boolean NOT NULL DEFAULT true,
    is_deleted            boolean NOT NULL DEFAULT false,
    deleted_at            timestamptz,
    sync_interval_seconds integer CHECK (sync_interval_seconds IS NULL OR sync_interval_seconds >= 60),
    sync_cron             text,
    checkpoint            jsonb,
    connector_state       jsonb,
    user_filter_mode      text NOT NULL DEFAULT 'all'
                          CHECK (user_filter_mode IN ('all', 'whitelist', 'blacklist')),
    user_whitelist        text[],
    user_blacklist        text[],
    prune_on_full_sync    boolean NOT NULL DEFAULT true,
    created_by            text,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT sources_one_schedule CHECK (sync_interval_seconds IS NULL OR sync_cron IS NULL)
);
CREATE INDEX sources_type_idx ON sources (source_type, created_at DESC) WHERE NOT is_deleted;
CREATE INDEX sources_deleted_idx ON sources (deleted_at) WHERE is_deleted;

-- One credential per source (protocol §4.0 Credential object). The secret `credentials` object is
-- stored only encrypted (AES-GCM, nonce || ciphertext); the rest is metadata connectors may see.
CREATE TABLE credentials (
    id                    text PRIMARY KEY,
    source_id             text NOT NULL UNIQUE REFERENCES sources (id) ON DELETE CASCADE,
    provider              text NOT NULL DEFAULT '',
    auth_type             text NOT NULL DEFAULT '',
    principal_email       text,
    secret_encrypted      bytea NOT NULL,
    config                jsonb NOT NULL DEFAULT '{}',
    expires_at            timestamptz,
    last_validated_at     timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- Sync runs (protocol §6). `slot` derives from the sync type; one running run per (source, slot).
CREATE TABLE sync_runs (
    id                    text PRIMARY KEY,
    source_id             text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    sync_type             text NOT NULL CHECK (sync_type IN ('full', 'incremental', 'realtime')),
    slot                  text NOT NULL GENERATED ALWAYS AS (
                              CASE WHEN sync_type = 'realtime' THEN 'realtime' ELSE 'scheduled' END
                          ) STORED,
    trigger_type          text NOT NULL CHECK (trigger_type IN ('scheduled', 'manual', 'webhook', 'connector')),
    status                text NOT NULL DEFAULT 'running'
                          CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    created_at            timestamptz NOT NULL,
    completed_at          timestamptz,
    last_activity_at      timestamptz,
    dispatched_at         timestamptz,
    checkpoint            jsonb,
    checkpoint_saved      boolean NOT NULL DEFAULT false,
    documents_scanned     bigint NOT NULL DEFAULT 0,
    documents_updated     bigint NOT NULL DEFAULT 0,
    documents_emitted     bigint NOT NULL DEFAULT 0,
    documents_processed   bigint NOT NULL DEFAULT 0,
    error_message         text,
    resume_attempts       integer NOT NULL DEFAULT 0,
    offline_observations  integer NOT NULL DEFAULT 0,
    start_seq             bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sync_runs_one_running_per_slot ON sync_runs (source_id, slot) WHERE status = 'running';
CREATE INDEX sync_runs_running_idx ON sync_runs (id) WHERE status = 'running';
CREATE INDEX sync_runs_history_idx ON sync_runs (source_id, slot, created_at DESC);

-- The queue between manager and indexer (protocol §10.1). Payload is `json`, not `jsonb`:
-- it is written once and parsed by the indexer, and json is markedly cheaper to write.
CREATE TABLE event_queue (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id     text NOT NULL,
    sync_run_id   text NOT NULL,
    event_type    text NOT NULL,
    entity_kind   text NOT NULL CHECK (entity_kind IN ('document', 'group', 'person', 'sweep')),
    entity_key    text NOT NULL,
    payload       json NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'completed', 'dead_letter')),
    attempts      integer NOT NULL DEFAULT 0,
    available_at  timestamptz NOT NULL DEFAULT now(),
    claimed_at    timestamptz,
    claim_token   uuid,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
-- Claimable rows, in seq order.
CREATE INDEX event_queue_pending_idx ON event_queue (seq) WHERE status = 'pending';
-- The per-key ordering rule (§10.3) looks for an older unfinished row of the same key.
CREATE INDEX event_queue_open_key_idx ON event_queue (source_id, entity_kind, entity_key, seq)
    WHERE status IN ('pending', 'processing');
-- Visibility timeout sweep (§10.5).
CREATE INDEX event_queue_processing_idx ON event_queue (claimed_at) WHERE status = 'processing';
CREATE INDEX event_queue_dead_letter_idx ON event_queue (seq) WHERE status = 'dead_letter';
CREATE INDEX event_queue_completed_idx ON event_queue (finished_at) WHERE status = 'completed';
CREATE INDEX event_queue_source_idx ON event_queue (source_id, seq);

-- Immutable, content-addressed text (protocol §5.5).
CREATE TABLE content_blobs (
    id            text PRIMARY KEY,
    sha256        text NOT NULL UNIQUE,
    content_type  text NOT NULL DEFAULT 'text/plain',
    size_bytes    integer NOT NULL,
    content       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_blobs_created_idx ON content_blobs (created_at);

-- Searchable documents (protocol §10.6). Title weighs above body in the tsvector.
CREATE TABLE documents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id         text NOT NULL,
    external_id       text NOT NULL,
    title             text NOT NULL DEFAULT '',
    content           text NOT NULL DEFAULT '',
    content_id        text,
    content_sha256    text,
    url               text,
    metadata          jsonb NOT NULL DEFAULT '{}',
    permissions       jsonb NOT NULL DEFAULT '{"public": false, "users": [], "groups": []}',
    attributes        jsonb NOT NULL DEFAULT '{}',
    last_seq          bigint NOT NULL,
    last_sync_run_id  text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    tsv               tsvector GENERATED ALWAYS AS (
                          setweight(to_tsvector('english', title), 'A')
                          || setweight(to_tsvector('english', content), 'B')
                      ) STORED,
    CONSTRAINT documents_source_external_key UNIQUE (source_id, external_id)
);
CREATE INDEX documents_tsv_idx ON documents USING gin (tsv) WITH (fastupdate = on);
CREATE INDEX documents_source_seq_idx ON documents (source_id, last_seq);

-- Deletions remember their seq so an older create cannot resurrect a document (§10.3).
CREATE TABLE document_tombstones (
    source_id     text NOT NULL,
    external_id   text NOT NULL,
    last_seq      bigint NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, external_id)
);

CREATE TABLE groups (
    source_id     text NOT NULL,
    group_email   text NOT NULL,
    name          text,
    last_seq      bigint NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, group_email)
);

CREATE TABLE group_memberships (
    source_id     text NOT NULL,
    group_email   text NOT NULL,
    member_email  text NOT NULL,
    PRIMARY KEY (source_id, group_email, member_email),
    FOREIGN KEY (source_id, group_email) REFERENCES groups (source_id, group_email) ON DELETE CASCADE
);
CREATE INDEX group_memberships_member_idx ON group_memberships (member_email);
