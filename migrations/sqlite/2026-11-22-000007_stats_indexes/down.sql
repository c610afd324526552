DROP INDEX demands_stats_idx;
DROP INDEX achievements_stats_idx;
DROP INDEX listings_published_idx;
DROP INDEX deals_stats_idx;
DROP INDEX contracts_stats_idx;
