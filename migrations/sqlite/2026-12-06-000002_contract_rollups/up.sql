-- Registered technology contracts summed per day and per month, per seller region at each
-- level, per grouping dimension (issue 16): the statistics read these sums instead of every
-- contract. Kept in the same transaction as each contract change; filled (and refilled by
-- `techmarket rebuild-stats`) from the contracts after this migration runs.
CREATE TABLE contract_rollups (
    -- The dimension summed: all (no grouping), type, technology_field, buyer_kind, seller_kind,
    -- broker (the intermediary user; '' for none).
    dimension TEXT NOT NULL,
    -- all (every region together), province, city or district.
    region_level TEXT NOT NULL,
    -- The seller's region code cut to the level ('' at level all, and for a seller without one).
    region_code TEXT NOT NULL,
    -- day or month.
    grain TEXT NOT NULL,
    -- The registration day, or the first day of the registration month.
    period_start DATE NOT NULL,
    -- The dimension's value ('' for dimension all).
    group_key TEXT NOT NULL,
    contract_count BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    technology_amount_fen BIGINT NOT NULL,
    -- The intermediaries' commission (agreed sum, else rate of the technology amount).
    commission_fen BIGINT NOT NULL,
    PRIMARY KEY (dimension, region_level, region_code, grain, period_start, group_key)
);
