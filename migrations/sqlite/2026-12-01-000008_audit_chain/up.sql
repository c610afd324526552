-- The audit log becomes a hash chain: `seq` orders the entries (unique, gap-free),
-- `prev_hash` is the previous entry's `hash`, `hash` the SHA-256 (hex) of the entry's
-- canonical serialization with `prev_hash`. Existing entries get their `seq` here, in id
-- (time) order; their hashes are computed by the first run after the migration
-- (`audit::chain::backfill`), since SQL has no SHA-256 on SQLite. An empty `hash` marks an
-- entry not chained yet.
ALTER TABLE audit_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET seq = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_log) AS numbered
WHERE audit_log.id = numbered.id;
CREATE UNIQUE INDEX audit_log_seq_key ON audit_log (seq);
