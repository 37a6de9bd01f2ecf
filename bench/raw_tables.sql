-- Same-shaped tables for the raw ceilings: same columns, defaults and indexes (GIN on tsv included);
-- the raw indexer computes tsv itself, as the Sluice indexer does.
DROP TABLE IF EXISTS raw_event_queue;
DROP TABLE IF EXISTS raw_documents;
CREATE TABLE raw_event_queue (LIKE event_queue INCLUDING ALL);
CREATE TABLE raw_documents (LIKE documents INCLUDING ALL);
