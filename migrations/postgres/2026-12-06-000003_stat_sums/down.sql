DROP TABLE stat_facts;

CREATE TABLE contract_rollups (
    dimension TEXT NOT NULL,
    region_level TEXT NOT NULL,
    region_code TEXT NOT NULL,
    grain TEXT NOT NULL,
    period_start DATE NOT NULL,
    group_key TEXT NOT NULL,
    contract_count BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    technology_amount_fen BIGINT NOT NULL,
    commission_fen BIGINT NOT NULL,
    PRIMARY KEY (dimension, region_level, region_code, grain, period_start, group_key)
);

INSERT INTO contract_rollups (dimension, region_level, region_code, grain, period_start,
                              group_key, contract_count, amount_fen, technology_amount_fen,
                              commission_fen)
SELECT dimension, region_level, region_code, grain, period_start, group_key, n, a, b, c
FROM stat_sums WHERE family = 'contracts';

DROP TABLE stat_sums;
