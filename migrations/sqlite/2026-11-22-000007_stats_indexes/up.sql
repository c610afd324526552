-- Covering indexes of the market statistics (src/stats): each figure reads one narrow index
-- instead of the wide rows (100,000 contracts: from ~100 ms to ~15 ms per query on SQLite).
CREATE INDEX contracts_stats_idx ON contracts (registered_on, contract_type, technology_field,
    seller_region_code, buyer_entity_kind, seller_entity_kind, amount_fen, technology_amount_fen,
    buyer_org_id, seller_org_id, intermediary_user_id, commission_fen, commission_rate_bp)
    WHERE registration_number IS NOT NULL;
CREATE INDEX deals_stats_idx ON deals (connected_at, stage, furthest_stage, buyer_org_id,
    seller_org_id, broker_id, event_id, lost_reason);
CREATE INDEX listings_published_idx ON listings (published_at, library, status, region_code, org_id)
    WHERE published_at IS NOT NULL;
CREATE INDEX achievements_stats_idx ON achievements (id, technology_field, international);
CREATE INDEX demands_stats_idx ON demands (id, technology_field);
