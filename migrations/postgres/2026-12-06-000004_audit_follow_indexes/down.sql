DROP INDEX audit_log_entity_seq_idx;
DROP INDEX audit_log_entity_time_idx;
