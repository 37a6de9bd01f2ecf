-- The descriptor catalog (docs/descriptor.md), read and written by sluice_manager.catalog.
-- Versions are ordered by SemVer precedence through the version_* columns (migration 0010).

-- name: insert_descriptor
-- A new descriptor version. $1 slug, $2 version, $3 major, $4 minor, $5 patch, $6 is_release,
-- $7 prerelease key, $8 status, $9 visibility, $10 name, $11 summary, $12 description,
-- $13 publisher, $14 categories, $15 tags, $16 document, $17 source_text, $18 digest, $19 now.
-- Returns the row, or nothing when the version exists already.
INSERT INTO descriptors (
    slug, version, version_major, version_minor, version_patch, version_is_release,
    version_prerelease, status, visibility, name, summary, description, publisher, categories,
    tags, document, source_text, digest, created_at, updated_at, published_at, archived_at
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19,
    CASE WHEN $8 IN ('published', 'archived') THEN $19::timestamptz END,
    CASE WHEN $8 = 'archived' THEN $19::timestamptz END
)
ON CONFLICT (slug, version) DO NOTHING
RETURNING *;

-- name: select_descriptor_for_update
-- One descriptor version, row-locked for a read-modify-write. $1 slug, $2 version.
SELECT * FROM descriptors WHERE slug = $1 AND version = $2 FOR UPDATE;

-- name: select_descriptor
-- One descriptor version. $1 slug, $2 version.
SELECT * FROM descriptors WHERE slug = $1 AND version = $2;

-- name: select_latest_descriptor
-- The highest published version of a slug, else its highest version of any status. $1 slug.
SELECT * FROM descriptors WHERE slug = $1
ORDER BY status = 'published' DESC, version_major DESC, version_minor DESC, version_patch DESC,
         version_is_release DESC, version_prerelease DESC, version DESC
LIMIT 1;

-- name: replace_descriptor_content
-- Replaces the content of a draft version (a re-push). $1 slug, $2 version, $3 status,
-- $4 visibility, $5 name, $6 summary, $7 description, $8 publisher, $9 categories, $10 tags,
-- $11 document, $12 source_text, $13 digest, $14 now.
UPDATE descriptors SET
    status = $3, visibility = $4, name = $5, summary = $6, description = $7, publisher = $8,
    categories = $9, tags = $10, document = $11, source_text = $12, digest = $13, updated_at = $14,
    published_at = CASE WHEN $3 = 'published' THEN coalesce(published_at, $14) END
WHERE slug = $1 AND version = $2 AND status = 'draft'
RETURNING *;

-- name: update_descriptor_state
-- Sets status and visibility; stamps published_at and archived_at on the way.
-- $1 slug, $2 version, $3 status, $4 visibility, $5 now.
UPDATE descriptors SET
    status = $3, visibility = $4, updated_at = $5,
    published_at = CASE WHEN $3 IN ('published', 'archived') THEN coalesce(published_at, $5) END,
    archived_at = CASE WHEN $3 = 'archived' THEN coalesce(archived_at, $5) END
WHERE slug = $1 AND version = $2
RETURNING *;

-- name: select_descriptor_versions
-- Every version of a slug, highest SemVer first (no document or text). $1 slug.
SELECT slug, version, status, visibility, name, summary, description, publisher, categories,
       tags, digest, created_at, updated_at, published_at, archived_at
FROM descriptors WHERE slug = $1
ORDER BY version_major DESC, version_minor DESC, version_patch DESC, version_is_release DESC,
         version_prerelease DESC, version DESC;

-- name: select_descriptors_page
-- Catalog listing, by slug then highest SemVer first (no document or text). Every filter is
-- optional (null): $1 category, $2 tag, $3 status, $4 visibility, $5 slug, $6 text (matched as
-- words against name, slug, summary, description, publisher and tags, or as a substring of name
-- or slug), $7 limit.
SELECT slug, version, status, visibility, name, summary, description, publisher, categories,
       tags, digest, created_at, updated_at, published_at, archived_at
FROM descriptors
WHERE ($1::text IS NULL OR $1 = ANY (categories))
  AND ($2::text IS NULL OR $2 = ANY (tags))
  AND ($3::text IS NULL OR status = $3)
  AND ($4::text IS NULL OR visibility = $4)
  AND ($5::text IS NULL OR slug = $5)
  AND ($6::text IS NULL
       OR strpos(lower(name || ' ' || slug), lower($6)) > 0
       OR sluice_document_tsv_v1(concat_ws(' ', name, slug, publisher, array_to_string(tags, ' ')),
                                 concat_ws(' ', summary, description))
          @@ sluice_search_query_v1($6))
ORDER BY slug, version_major DESC, version_minor DESC, version_patch DESC,
         version_is_release DESC, version_prerelease DESC, version DESC
LIMIT $7;

-- name: select_descriptor_document
-- The document of one descriptor version, as sent to the runtime. $1 slug, $2 version.
SELECT document FROM descriptors WHERE slug = $1 AND version = $2;
