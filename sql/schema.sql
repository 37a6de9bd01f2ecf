-- Schema of a freshly migrated database (PostgreSQL 18), printed by pg_dump.
-- Generated, do not edit. After adding a migration, regenerate: .venv/bin/python -m sluice_sql.schema sql/schema.sql

--
-- PostgreSQL database dump
--

--
-- Name: sluice_document_readers_v1(text, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_document_readers_v1(source_id text, permissions jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
 SELECT COALESCE(array_agg(DISTINCT r.token), '{}'::text[]) AS "coalesce"
    FROM ( SELECT '*'::text AS token
           WHERE (lower(btrim((sluice_document_readers_v1.permissions ->> 'public'::text))) = ANY (ARRAY['true'::text, 't'::text, 'yes'::text, 'y'::text, 'on'::text, '1'::text]))
         UNION ALL
          SELECT ('u:'::text || lower(btrim(u.email)))
            FROM jsonb_array_elements_text(
                 CASE
                     WHEN (jsonb_typeof((sluice_document_readers_v1.permissions -> 'users'::text)) = 'array'::text) THEN (sluice_document_readers_v1.permissions -> 'users'::text)
                     ELSE '[]'::jsonb
                 END) u(email)
         UNION ALL
          SELECT t.token
            FROM (jsonb_array_elements_text(
                 CASE
                     WHEN (jsonb_typeof((sluice_document_readers_v1.permissions -> 'groups'::text)) = 'array'::text) THEN (sluice_document_readers_v1.permissions -> 'groups'::text)
                     ELSE '[]'::jsonb
                 END) g(email)
              CROSS JOIN LATERAL ( VALUES (('d:'::text || lower(btrim(g.email)))), (((((('g:'::text || length(sluice_document_readers_v1.source_id)) || ':'::text) || sluice_document_readers_v1.source_id) || ':'::text) || lower(btrim(g.email))))) t(token))) r;
END;

--
-- Name: FUNCTION sluice_document_readers_v1(source_id text, permissions jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_document_readers_v1(source_id text, permissions jsonb) IS 'documents.readers: the reader tokens of a document (see migration 0012).';

--
-- Name: sluice_text_search_config_v1(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_text_search_config_v1() RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 'english'::regconfig;

--
-- Name: FUNCTION sluice_text_search_config_v1(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_text_search_config_v1() IS 'The text-search configuration of documents and search queries.';

--
-- Name: sluice_document_tsv_v1(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_document_tsv_v1(title text, content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (setweight(to_tsvector(public.sluice_text_search_config_v1(), title), 'A'::"char") || setweight(to_tsvector(public.sluice_text_search_config_v1(), content), 'B'::"char"));

--
-- Name: FUNCTION sluice_document_tsv_v1(title text, content text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_document_tsv_v1(title text, content text) IS 'documents.tsv of a document: title with weight A, content with weight B.';

--
-- Name: sluice_enqueue_events(text, text, boolean, text[], text[], text[], json[], integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_enqueue_events(p_source_id text, p_sync_run_id text, p_ids_agree boolean, p_event_types text[], p_entity_kinds text[], p_entity_keys text[], p_payloads json[], p_document_events integer, p_now timestamp with time zone) RETURNS TABLE(source_active boolean, source_deleted boolean, run_source_id text, run_status text, accepted boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    inserted bigint;
BEGIN
    -- The source lock: the same key as the named query lock_source (§10.2).
    PERFORM pg_advisory_xact_lock(1, hashtext(p_source_id));
    SELECT s.is_active, s.is_deleted INTO source_active, source_deleted
    FROM sources s WHERE s.id = p_source_id FOR SHARE;
    SELECT r.source_id, r.status INTO run_source_id, run_status
    FROM sync_runs r WHERE r.id = p_sync_run_id FOR SHARE;
    accepted := coalesce(
        source_active AND NOT source_deleted
        AND run_source_id = p_source_id AND run_status = 'running' AND p_ids_agree,
        false
    );
    IF accepted THEN
        INSERT INTO event_queue
            (source_id, sync_run_id, event_type, entity_kind, entity_key, payload)
        SELECT p_source_id, p_sync_run_id, e.event_type, e.entity_kind, e.entity_key, e.payload
        FROM unnest(p_event_types, p_entity_kinds, p_entity_keys, p_payloads)
                 WITH ORDINALITY AS e(event_type, entity_kind, entity_key, payload, ord)
        ORDER BY ord;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        UPDATE sync_runs
        SET documents_emitted = documents_emitted + p_document_events,
            last_activity_at = p_now
        WHERE id = p_sync_run_id;
        IF inserted > 0 THEN
            PERFORM pg_notify('sluice_events', p_source_id);
        END IF;
    END IF;
    RETURN NEXT;
END;
$$;

--
-- Name: sluice_enqueue_events_v2(text, text, boolean, text[], text[], text[], json[], bytea[], integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_enqueue_events_v2(p_source_id text, p_sync_run_id text, p_ids_agree boolean, p_event_types text[], p_entity_kinds text[], p_entity_keys text[], p_payloads json[], p_digests bytea[], p_document_events integer, p_now timestamp with time zone) RETURNS TABLE(source_active boolean, source_deleted boolean, run_source_id text, run_status text, accepted boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    inserted bigint;
    unchanged bigint[];
    unchanged_ids text[];
BEGIN
    -- The source lock: the same key as the named query lock_source (§10.2).
    PERFORM pg_advisory_xact_lock(1, hashtext(p_source_id));
    SELECT s.is_active, s.is_deleted INTO source_active, source_deleted
    FROM sources s WHERE s.id = p_source_id FOR SHARE;
    SELECT r.source_id, r.status INTO run_source_id, run_status
    FROM sync_runs r WHERE r.id = p_sync_run_id FOR SHARE;
    accepted := coalesce(
        source_active AND NOT source_deleted
        AND run_source_id = p_source_id AND run_status = 'running' AND p_ids_agree,
        false
    );
    IF accepted THEN
        IF p_digests IS NOT NULL THEN
            WITH events AS (
                SELECT e.entity_kind, e.entity_key, e.digest, e.ord,
                    count(*) OVER (PARTITION BY e.entity_kind, e.entity_key) AS occurrences
                FROM unnest(p_entity_kinds, p_entity_keys, p_digests)
                    WITH ORDINALITY AS e(entity_kind, entity_key, digest, ord)
            )
            SELECT array_agg(e.ord ORDER BY e.ord), array_agg(e.entity_key ORDER BY e.ord)
            INTO unchanged, unchanged_ids
            FROM events e
            JOIN documents d ON d.source_id = p_source_id AND d.external_id = e.entity_key
            WHERE e.digest IS NOT NULL AND e.entity_kind = 'document' AND e.occurrences = 1
              AND d.event_digest = e.digest
              AND NOT EXISTS (
                  SELECT 1 FROM event_queue o
                  WHERE o.source_id = p_source_id AND o.entity_kind = 'document'
                    AND o.entity_key = e.entity_key AND o.status IN ('pending', 'processing'))
              AND NOT EXISTS (
                  SELECT 1 FROM event_queue o
                  WHERE o.source_id = p_source_id AND o.entity_kind = 'sweep'
                    AND o.status IN ('pending', 'processing'));
        END IF;
        IF unchanged IS NOT NULL THEN
            INSERT INTO unchanged_events (source_id, seq, external_ids, created_at)
            VALUES (p_source_id, nextval('event_queue_seq_seq'), unchanged_ids, p_now);
        END IF;
        INSERT INTO event_queue
            (source_id, sync_run_id, event_type, entity_kind, entity_key, payload, event_digest)
        SELECT p_source_id, p_sync_run_id, e.event_type, e.entity_kind, e.entity_key, e.payload,
            p_digests[e.ord::integer]
        FROM unnest(p_event_types, p_entity_kinds, p_entity_keys, p_payloads)
                 WITH ORDINALITY AS e(event_type, entity_kind, entity_key, payload, ord)
        WHERE unchanged IS NULL OR e.ord <> ALL (unchanged)
        ORDER BY ord;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        UPDATE sync_runs
        SET documents_emitted = documents_emitted + p_document_events,
            documents_processed = documents_processed + coalesce(cardinality(unchanged), 0),
            last_activity_at = p_now
        WHERE id = p_sync_run_id;
        IF inserted > 0 THEN
            PERFORM pg_notify('sluice_events', p_source_id);
        END IF;
    END IF;
    RETURN NEXT;
END;
$$;

--
-- Name: FUNCTION sluice_enqueue_events_v2(p_source_id text, p_sync_run_id text, p_ids_agree boolean, p_event_types text[], p_entity_kinds text[], p_entity_keys text[], p_payloads json[], p_digests bytea[], p_document_events integer, p_now timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_enqueue_events_v2(p_source_id text, p_sync_run_id text, p_ids_agree boolean, p_event_types text[], p_entity_kinds text[], p_entity_keys text[], p_payloads json[], p_digests bytea[], p_document_events integer, p_now timestamp with time zone) IS 'Enqueue a batch under the source lock, leaving out document events that change nothing.';

--
-- Name: sluice_search_estimate_v1(tsquery); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_search_estimate_v1(query tsquery) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM documents WHERE tsv @@ %L::tsquery',
        query::text) INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$;

--
-- Name: FUNCTION sluice_search_estimate_v1(query tsquery); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_search_estimate_v1(query tsquery) IS 'The planner''s estimate of the documents matching query (no scan).';

--
-- Name: sluice_search_headline_v1(text, tsquery, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_search_headline_v1(document text, query tsquery, options text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ts_headline(public.sluice_text_search_config_v1(), document, query, options);

--
-- Name: FUNCTION sluice_search_headline_v1(document text, query tsquery, options text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_search_headline_v1(document text, query tsquery, options text) IS 'A snippet of document around the terms of query (ts_headline options as given).';

--
-- Name: sluice_search_query_v1(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_search_query_v1(query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN websearch_to_tsquery(public.sluice_text_search_config_v1(), query);

--
-- Name: FUNCTION sluice_search_query_v1(query text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_search_query_v1(query text) IS 'The tsquery matched against documents.tsv for a user''s search text.';

--
-- Name: sluice_title_lexemes_v1(tsvector); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sluice_title_lexemes_v1(tsv tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ts_delete(tsv, tsvector_to_array(ts_delete(tsv, tsvector_to_array(ts_filter(tsv, '{a}'::"char"[])))));

--
-- Name: FUNCTION sluice_title_lexemes_v1(tsv tsvector); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.sluice_title_lexemes_v1(tsv tsvector) IS 'documents.title_tsv: the lexemes of tsv with a title (A) position, with all their positions.';

--
-- Name: connector_configs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.connector_configs (
    provider text NOT NULL,
    config_encrypted bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: connectors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.connectors (
    connector_id text NOT NULL,
    connector_url text NOT NULL,
    manifest jsonb NOT NULL,
    source_types text[] DEFAULT '{}'::text[] NOT NULL,
    sync_modes text[] DEFAULT '{}'::text[] NOT NULL,
    first_seen_at timestamp with time zone NOT NULL,
    last_heartbeat_at timestamp with time zone NOT NULL,
    manifest_sha256 text
);

--
-- Name: content_blobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.content_blobs (
    id text NOT NULL,
    sha256 text NOT NULL,
    content_type text DEFAULT 'text/plain'::text NOT NULL,
    size_bytes integer NOT NULL,
    content text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: credentials; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credentials (
    id text NOT NULL,
    source_id text NOT NULL,
    provider text DEFAULT ''::text NOT NULL,
    auth_type text DEFAULT ''::text NOT NULL,
    principal_email text,
    secret_encrypted bytea NOT NULL,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    expires_at timestamp with time zone,
    last_validated_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: descriptors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.descriptors (
    slug text NOT NULL,
    version text NOT NULL,
    version_major bigint NOT NULL,
    version_minor bigint NOT NULL,
    version_patch bigint NOT NULL,
    version_is_release boolean NOT NULL,
    version_prerelease text[] DEFAULT '{}'::text[] NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL,
    visibility text NOT NULL,
    name text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    publisher text DEFAULT ''::text NOT NULL,
    categories text[] DEFAULT '{}'::text[] NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    document jsonb NOT NULL,
    source_text text NOT NULL,
    digest text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    published_at timestamp with time zone,
    archived_at timestamp with time zone,
    CONSTRAINT descriptors_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'published'::text, 'archived'::text]))),
    CONSTRAINT descriptors_version_major_check CHECK ((version_major >= 0)),
    CONSTRAINT descriptors_version_minor_check CHECK ((version_minor >= 0)),
    CONSTRAINT descriptors_version_patch_check CHECK ((version_patch >= 0)),
    CONSTRAINT descriptors_visibility_check CHECK ((visibility = ANY (ARRAY['private'::text, 'workspace'::text, 'organization'::text, 'marketplace'::text])))
);

--
-- Name: document_tombstones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.document_tombstones (
    source_id text NOT NULL,
    external_id text NOT NULL,
    last_seq bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: documents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.documents (
    id bigint NOT NULL,
    source_id text NOT NULL,
    external_id text NOT NULL,
    title text DEFAULT ''::text NOT NULL,
    content text DEFAULT ''::text NOT NULL,
    content_id text,
    content_sha256 text,
    url text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    permissions jsonb DEFAULT '{"users": [], "groups": [], "public": false}'::jsonb NOT NULL,
    attributes jsonb DEFAULT '{}'::jsonb NOT NULL,
    last_seq bigint NOT NULL,
    last_sync_run_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    tsv tsvector,
    title_tsv tsvector GENERATED ALWAYS AS (public.sluice_title_lexemes_v1(tsv)) STORED,
    readers text[] GENERATED ALWAYS AS (public.sluice_document_readers_v1(source_id, permissions)) STORED,
    event_digest bytea
)
WITH (fillfactor='80');

--
-- Name: documents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.documents ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.documents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: event_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_queue (
    seq bigint NOT NULL,
    source_id text NOT NULL,
    sync_run_id text NOT NULL,
    event_type text NOT NULL,
    entity_kind text NOT NULL,
    entity_key text NOT NULL,
    payload json NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    available_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_at timestamp with time zone,
    claim_token uuid,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    event_digest bytea,
    CONSTRAINT event_queue_entity_kind_check CHECK ((entity_kind = ANY (ARRAY['document'::text, 'group'::text, 'person'::text, 'sweep'::text]))),
    CONSTRAINT event_queue_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'completed'::text, 'dead_letter'::text])))
)
WITH (toast_tuple_target='8160');
ALTER TABLE ONLY public.event_queue ALTER COLUMN payload SET STORAGE EXTERNAL;

--
-- Name: event_queue_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.event_queue ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.event_queue_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: group_memberships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_memberships (
    source_id text NOT NULL,
    group_email text NOT NULL,
    member_email text NOT NULL
);

--
-- Name: groups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.groups (
    source_id text NOT NULL,
    group_email text NOT NULL,
    name text,
    last_seq bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: oauth_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.oauth_states (
    state text NOT NULL,
    source_id text NOT NULL,
    code_verifier text NOT NULL,
    redirect_uri text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: scoped_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scoped_tokens (
    id text NOT NULL,
    kind text NOT NULL,
    token_sha256 bytea NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    connector_id text,
    source_types text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT scoped_tokens_connector_id CHECK (((kind <> 'connector'::text) OR (connector_id IS NOT NULL))),
    CONSTRAINT scoped_tokens_kind_check CHECK ((kind = ANY (ARRAY['connector'::text, 'mcp'::text]))),
    CONSTRAINT scoped_tokens_token_sha256_check CHECK ((length(token_sha256) = 32))
);

--
-- Name: sources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sources (
    id text NOT NULL,
    name text NOT NULL,
    source_type text NOT NULL,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    is_deleted boolean DEFAULT false NOT NULL,
    deleted_at timestamp with time zone,
    sync_interval_seconds integer,
    sync_cron text,
    checkpoint jsonb,
    connector_state jsonb,
    user_filter_mode text DEFAULT 'all'::text NOT NULL,
    user_whitelist text[],
    user_blacklist text[],
    prune_on_full_sync boolean DEFAULT true NOT NULL,
    created_by text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    descriptor_slug text,
    descriptor_version text,
    owner_email text,
    CONSTRAINT sources_descriptor_pin CHECK (((descriptor_slug IS NULL) = (descriptor_version IS NULL))),
    CONSTRAINT sources_one_schedule CHECK (((sync_interval_seconds IS NULL) OR (sync_cron IS NULL))),
    CONSTRAINT sources_sync_interval_seconds_check CHECK (((sync_interval_seconds IS NULL) OR (sync_interval_seconds >= 60))),
    CONSTRAINT sources_user_filter_mode_check CHECK ((user_filter_mode = ANY (ARRAY['all'::text, 'whitelist'::text, 'blacklist'::text])))
);

--
-- Name: sync_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sync_runs (
    id text NOT NULL,
    source_id text NOT NULL,
    sync_type text NOT NULL,
    slot text GENERATED ALWAYS AS (
CASE
    WHEN (sync_type = 'realtime'::text) THEN 'realtime'::text
    ELSE 'scheduled'::text
END) STORED NOT NULL,
    trigger_type text NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone,
    last_activity_at timestamp with time zone,
    dispatched_at timestamp with time zone,
    checkpoint jsonb,
    checkpoint_saved boolean DEFAULT false NOT NULL,
    documents_scanned bigint DEFAULT 0 NOT NULL,
    documents_updated bigint DEFAULT 0 NOT NULL,
    documents_emitted bigint DEFAULT 0 NOT NULL,
    documents_processed bigint DEFAULT 0 NOT NULL,
    error_message text,
    resume_attempts integer DEFAULT 0 NOT NULL,
    offline_observations integer DEFAULT 0 NOT NULL,
    start_seq bigint DEFAULT 0 NOT NULL,
    CONSTRAINT sync_runs_status_check CHECK ((status = ANY (ARRAY['running'::text, 'completed'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT sync_runs_sync_type_check CHECK ((sync_type = ANY (ARRAY['full'::text, 'incremental'::text, 'realtime'::text]))),
    CONSTRAINT sync_runs_trigger_type_check CHECK ((trigger_type = ANY (ARRAY['scheduled'::text, 'manual'::text, 'webhook'::text, 'connector'::text])))
);

--
-- Name: unchanged_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unchanged_events (
    source_id text NOT NULL,
    seq bigint NOT NULL,
    external_ids text[] NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: connector_configs connector_configs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.connector_configs
    ADD CONSTRAINT connector_configs_pkey PRIMARY KEY (provider);

--
-- Name: connectors connectors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.connectors
    ADD CONSTRAINT connectors_pkey PRIMARY KEY (connector_id);

--
-- Name: content_blobs content_blobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_blobs
    ADD CONSTRAINT content_blobs_pkey PRIMARY KEY (id);

--
-- Name: content_blobs content_blobs_sha256_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_blobs
    ADD CONSTRAINT content_blobs_sha256_key UNIQUE (sha256);

--
-- Name: credentials credentials_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_pkey PRIMARY KEY (id);

--
-- Name: credentials credentials_source_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_source_id_key UNIQUE (source_id);

--
-- Name: descriptors descriptors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.descriptors
    ADD CONSTRAINT descriptors_pkey PRIMARY KEY (slug, version);

--
-- Name: document_tombstones document_tombstones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.document_tombstones
    ADD CONSTRAINT document_tombstones_pkey PRIMARY KEY (source_id, external_id);

--
-- Name: documents documents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_pkey PRIMARY KEY (id);

--
-- Name: documents documents_source_external_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_source_external_key UNIQUE (source_id, external_id);

--
-- Name: event_queue event_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_queue
    ADD CONSTRAINT event_queue_pkey PRIMARY KEY (seq);

--
-- Name: group_memberships group_memberships_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_pkey PRIMARY KEY (source_id, group_email, member_email);

--
-- Name: groups groups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_pkey PRIMARY KEY (source_id, group_email);

--
-- Name: oauth_states oauth_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.oauth_states
    ADD CONSTRAINT oauth_states_pkey PRIMARY KEY (state);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: scoped_tokens scoped_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoped_tokens
    ADD CONSTRAINT scoped_tokens_pkey PRIMARY KEY (id);

--
-- Name: scoped_tokens scoped_tokens_token_sha256_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoped_tokens
    ADD CONSTRAINT scoped_tokens_token_sha256_key UNIQUE (token_sha256);

--
-- Name: sources sources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_pkey PRIMARY KEY (id);

--
-- Name: sync_runs sync_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sync_runs
    ADD CONSTRAINT sync_runs_pkey PRIMARY KEY (id);

--
-- Name: unchanged_events unchanged_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unchanged_events
    ADD CONSTRAINT unchanged_events_pkey PRIMARY KEY (source_id, seq);

--
-- Name: connectors_last_heartbeat_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX connectors_last_heartbeat_idx ON public.connectors USING btree (last_heartbeat_at);

--
-- Name: connectors_source_types_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX connectors_source_types_idx ON public.connectors USING gin (source_types);

--
-- Name: content_blobs_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX content_blobs_created_idx ON public.content_blobs USING btree (created_at);

--
-- Name: document_tombstones_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX document_tombstones_created_idx ON public.document_tombstones USING btree (created_at);

--
-- Name: documents_title_tsv_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX documents_title_tsv_idx ON public.documents USING gin (title_tsv);

--
-- Name: documents_tsv_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX documents_tsv_idx ON public.documents USING gin (tsv) WITH (fastupdate='on');

--
-- Name: event_queue_completed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_completed_idx ON public.event_queue USING btree (finished_at) WHERE (status = 'completed'::text);

--
-- Name: event_queue_dead_letter_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_dead_letter_idx ON public.event_queue USING btree (seq) WHERE (status = 'dead_letter'::text);

--
-- Name: event_queue_dead_run_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_dead_run_idx ON public.event_queue USING btree (sync_run_id, entity_key) WHERE (status = 'dead_letter'::text);

--
-- Name: event_queue_finished_source_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_finished_source_idx ON public.event_queue USING btree (source_id, seq) WHERE (status = ANY (ARRAY['completed'::text, 'dead_letter'::text]));

--
-- Name: event_queue_open_key_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_open_key_idx ON public.event_queue USING btree (source_id, entity_kind, entity_key, seq) WHERE (status = ANY (ARRAY['pending'::text, 'processing'::text]));

--
-- Name: event_queue_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_pending_idx ON public.event_queue USING btree (seq) WHERE (status = 'pending'::text);

--
-- Name: event_queue_processing_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_processing_idx ON public.event_queue USING btree (claimed_at) WHERE (status = 'processing'::text);

--
-- Name: event_queue_retry_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_queue_retry_idx ON public.event_queue USING btree (seq) WHERE ((status = 'pending'::text) AND (attempts > 0));

--
-- Name: group_memberships_member_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX group_memberships_member_idx ON public.group_memberships USING btree (member_email);

--
-- Name: oauth_states_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX oauth_states_expires_idx ON public.oauth_states USING btree (expires_at);

--
-- Name: oauth_states_source_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX oauth_states_source_idx ON public.oauth_states USING btree (source_id);

--
-- Name: sources_deleted_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sources_deleted_idx ON public.sources USING btree (deleted_at) WHERE is_deleted;

--
-- Name: sources_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sources_type_idx ON public.sources USING btree (source_type, created_at DESC) WHERE (NOT is_deleted);

--
-- Name: sync_runs_history_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sync_runs_history_idx ON public.sync_runs USING btree (source_id, slot, created_at DESC);

--
-- Name: sync_runs_one_running_per_slot; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX sync_runs_one_running_per_slot ON public.sync_runs USING btree (source_id, slot) WHERE (status = 'running'::text);

--
-- Name: sync_runs_running_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sync_runs_running_idx ON public.sync_runs USING btree (id) WHERE (status = 'running'::text);

--
-- Name: credentials credentials_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT credentials_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id) ON DELETE CASCADE;

--
-- Name: group_memberships group_memberships_source_id_group_email_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_source_id_group_email_fkey FOREIGN KEY (source_id, group_email) REFERENCES public.groups(source_id, group_email) ON DELETE CASCADE;

--
-- Name: oauth_states oauth_states_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.oauth_states
    ADD CONSTRAINT oauth_states_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id) ON DELETE CASCADE;

--
-- Name: sources sources_descriptor_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sources
    ADD CONSTRAINT sources_descriptor_fkey FOREIGN KEY (descriptor_slug, descriptor_version) REFERENCES public.descriptors(slug, version);

--
-- Name: sync_runs sync_runs_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sync_runs
    ADD CONSTRAINT sync_runs_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.sources(id) ON DELETE CASCADE;

--
-- PostgreSQL database dump complete
--
