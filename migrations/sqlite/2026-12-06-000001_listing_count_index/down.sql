DROP INDEX listings_count_idx;
