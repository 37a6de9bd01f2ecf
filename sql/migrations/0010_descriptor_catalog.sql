-- Declarative connectors (issue 14): the catalog of connector descriptors, sources pinned to one
-- descriptor version, and the one-time states of OAuth consent (docs/descriptor.md).

-- One row per (slug, version). `document` is the validated descriptor as the manager sends it to
-- the runtime (SyncConfig.descriptor, ActionRequest.descriptor); `source_text` is the YAML or JSON
-- the user pushed; `digest` (SHA-256 of the members the author set, as validated) says whether a
-- re-push changes anything. A published version is immutable: the manager refuses a changed one.
--
-- The version columns hold SemVer precedence so that SQL orders versions as SemVer does (1.10.0
-- after 1.9.0; a pre-release before its release): numbers compared as numbers, then releases
-- after pre-releases, then the pre-release identifiers, each encoded by the manager so that a
-- byte-wise comparison (COLLATE "C") of the arrays is the SemVer comparison.
--
-- A catalog holds hundreds of versions, not millions: listing filters scan it, no index but the key.
CREATE TABLE descriptors (
    slug               text NOT NULL,
    version            text NOT NULL,
    version_major      bigint NOT NULL CHECK (version_major >= 0),
    version_minor      bigint NOT NULL CHECK (version_minor >= 0),
    version_patch      bigint NOT NULL CHECK (version_patch >= 0),
    version_is_release boolean NOT NULL,
    version_prerelease text[] COLLATE "C" NOT NULL DEFAULT '{}',
    status             text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    visibility         text NOT NULL
                       CHECK (visibility IN ('private', 'workspace', 'organization', 'marketplace')),
    name               text NOT NULL,
    summary            text NOT NULL DEFAULT '',
    description        text NOT NULL DEFAULT '',
    publisher          text NOT NULL DEFAULT '',
    categories         text[] NOT NULL DEFAULT '{}',
    tags               text[] NOT NULL DEFAULT '{}',
    document           jsonb NOT NULL,
    source_text        text NOT NULL,
    digest             text NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    published_at       timestamptz,
    archived_at        timestamptz,
    PRIMARY KEY (slug, version)
);

-- A declarative source names its descriptor version; both columns or neither. The foreign key
-- keeps a pinned version in the catalog for as long as a source names it.
ALTER TABLE sources
    ADD COLUMN descriptor_slug    text,
    ADD COLUMN descriptor_version text,
    ADD CONSTRAINT sources_descriptor_pin CHECK ((descriptor_slug IS NULL) = (descriptor_version IS NULL)),
    ADD CONSTRAINT sources_descriptor_fkey FOREIGN KEY (descriptor_slug, descriptor_version)
        REFERENCES descriptors (slug, version);

-- OAuth2 authorization-code consent in progress: the state sent to the provider, the PKCE
-- verifier and the redirect URI the code exchange must repeat. One use; expired rows are removed
-- when the next consent starts, and a purged source takes its rows with it (the source index).
CREATE TABLE oauth_states (
    state         text PRIMARY KEY,
    source_id     text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    code_verifier text NOT NULL,
    redirect_uri  text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);
CREATE INDEX oauth_states_source_idx ON oauth_states (source_id);
