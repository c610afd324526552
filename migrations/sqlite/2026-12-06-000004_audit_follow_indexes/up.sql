-- The followers of the audit log read it by entity type and position: the search index's change
-- feed asks for the listings' and organizations' entries since a time, the auctions' live feed
-- for the auctions' entries after a sequence number. With only (entity_type, entity_id) to go
-- by, each poll walked every entry of those types (hundreds of thousands in a year's market,
-- every second); these indexes seek straight to the new entries, in order.
CREATE INDEX audit_log_entity_time_idx ON audit_log (entity_type, created_at);
CREATE INDEX audit_log_entity_seq_idx ON audit_log (entity_type, seq);
