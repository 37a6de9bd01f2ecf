-- Event payloads up to a page stay inline, uncompressed (protocol §10.2 enqueue path).
--
-- With STORAGE EXTERNAL (0007) and the default toast_tuple_target (~2 KB), every event over about
-- 2 KB was moved out of line at insert: one more heap tuple and one more TOAST index entry per
-- event, all written while the source lock is held, so it capped the ingest rate of one source.
-- Raising the target keeps rows up to a page inline (still uncompressed: EXTERNAL forbids
-- compression); larger events still go out of line.
ALTER TABLE event_queue SET (toast_tuple_target = 8160);
