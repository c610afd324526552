-- Every statistic of the whole market kept summed ahead of time (issue 16), one table for every
-- family of records, moved in the same transaction as each change of the records it counts.
-- The registered contracts' sums (`contract_rollups`) move here as family `contracts`.
CREATE TABLE stat_sums (
    -- What is summed: `contracts` (registered technology contracts, by registration day and the
    -- seller's region), `achievements`, `demands`, `experts`, `service_providers` (listings, by
    -- first publication day and the listing's region), `deals` (by connection day and the
    -- buyer's region).
    family TEXT NOT NULL,
    -- The grouping: `all` (no grouping) or a family's own (contracts: type, technology_field,
    -- buyer_kind, seller_kind, broker; listings: technology_field; deals: stage, furthest,
    -- lost_reason).
    dimension TEXT NOT NULL,
    -- all (every region together), province, city or district.
    region_level TEXT NOT NULL,
    -- The region code cut to the level ('' at level all, and for a record without one).
    region_code TEXT NOT NULL,
    -- day or month.
    grain TEXT NOT NULL,
    -- The day, or the first day of the month (China Standard Time).
    period_start DATE NOT NULL,
    -- The dimension's value ('' for dimension all, and for a record without one).
    group_key TEXT NOT NULL,
    -- The records counted.
    n BIGINT NOT NULL,
    -- contracts: 成交额 (fen); listings: of the records counted, those published now; deals: of
    -- them, those lost.
    a BIGINT NOT NULL,
    -- contracts: 技术交易额 (fen); listings: published now and international; deals: 0.
    b BIGINT NOT NULL,
    -- contracts: the intermediaries' commission (fen); others: 0.
    c BIGINT NOT NULL,
    PRIMARY KEY (family, dimension, region_level, region_code, grain, period_start, group_key)
);

INSERT INTO stat_sums (family, dimension, region_level, region_code, grain, period_start,
                       group_key, n, a, b, c)
SELECT 'contracts', dimension, region_level, region_code, grain, period_start, group_key,
       contract_count, amount_fen, technology_amount_fen, commission_fen
FROM contract_rollups;

DROP TABLE contract_rollups;

-- What each record last added to `stat_sums` (listings and deals, whose counted facts live in
-- several tables): a change of the record takes back what is stored here and adds what it is
-- now. Filled with the sums after this migration runs and by `techmarket rebuild-stats`.
CREATE TABLE stat_facts (
    -- `listings` or `deals`.
    kind TEXT NOT NULL,
    -- The record's id.
    record_id TEXT NOT NULL,
    -- The facts counted, as JSON (day, region, status, groups).
    facts TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
);
