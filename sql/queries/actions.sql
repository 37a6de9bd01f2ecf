-- Sources whose actions can run now, read by sluice_manager.actions.sources (the MCP tools).

-- name: select_offering_sources
-- Active, non-deleted sources whose type an online connector serves, oldest first, each with that
-- connector (the smallest connector_id in byte order, as §8.1 resolves it) and, for a declarative
-- source, its pinned descriptor version's document and digest. $1: now, $2: registry TTL seconds.
SELECT s.id, s.name, s.source_type, s.config, s.descriptor_slug, s.descriptor_version,
       c.connector_id, c.manifest, c.manifest_sha256, d.document, d.digest AS descriptor_digest
FROM sources s
CROSS JOIN LATERAL (
    SELECT connector_id, manifest, manifest_sha256
    FROM connectors
    WHERE source_types @> ARRAY[s.source_type]
      AND last_heartbeat_at > $1::timestamptz - make_interval(secs => $2::float8)
    ORDER BY connector_id COLLATE "C"
    LIMIT 1
) c
LEFT JOIN descriptors d ON d.slug = s.descriptor_slug AND d.version = s.descriptor_version
WHERE s.is_active AND NOT s.is_deleted
ORDER BY s.created_at, s.id;
