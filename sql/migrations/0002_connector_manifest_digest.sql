-- Registration hot path (protocol §4.1, §8.1): a heartbeat whose body hashes to the stored digest
-- was already validated, so it only refreshes last_heartbeat_at.
ALTER TABLE connectors ADD COLUMN manifest_sha256 text;
