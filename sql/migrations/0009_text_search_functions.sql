-- Text search in one place (protocol §10.6): how the indexer analyses a document into
-- documents.tsv, and how search reads a query and cuts snippets, with the text-search
-- configuration named once. The indexer's upsert and the manager's search both call these
-- functions, so the two sides cannot drift apart (a document analysed with one configuration and
-- queried with another finds nothing).
--
-- The names carry a version. A change of analysis is a new _v2 function in a new migration, never
-- a replaced body: indexers and managers of two releases then run side by side during a deploy,
-- and documents.tsv stays what its writer computed until the document changes or is re-indexed.
--
-- SQL functions with a RETURN body: parsed when created (the configuration is resolved then and
-- recorded as a dependency, with no search_path lookup per call), IMMUTABLE and simple enough for
-- the planner to inline, so a call costs what the spelled-out expression costs. documents.tsv
-- stays the column that search matches and that documents_tsv_idx (GIN) indexes.

CREATE FUNCTION sluice_text_search_config_v1() RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 'english'::regconfig;

COMMENT ON FUNCTION sluice_text_search_config_v1() IS
    'The text-search configuration of documents and search queries.';

-- Title weighs above body (A over B), so ts_rank ranks title hits first.
CREATE FUNCTION sluice_document_tsv_v1(title text, content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector(sluice_text_search_config_v1(), title), 'A')
        || setweight(to_tsvector(sluice_text_search_config_v1(), content), 'B');

COMMENT ON FUNCTION sluice_document_tsv_v1(text, text) IS
    'documents.tsv of a document: title with weight A, content with weight B.';

-- websearch syntax: quoted phrases, OR, a leading - for "not"; never a syntax error.
CREATE FUNCTION sluice_search_query_v1(query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN websearch_to_tsquery(sluice_text_search_config_v1(), query);

COMMENT ON FUNCTION sluice_search_query_v1(text) IS
    'The tsquery matched against documents.tsv for a user''s search text.';

CREATE FUNCTION sluice_search_headline_v1(document text, query tsquery, options text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ts_headline(sluice_text_search_config_v1(), document, query, options);

COMMENT ON FUNCTION sluice_search_headline_v1(text, tsquery, text) IS
    'A snippet of document around the terms of query (ts_headline options as given).';
