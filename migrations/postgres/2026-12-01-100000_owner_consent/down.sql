ALTER TABLE deals DROP COLUMN seller_acted_at;
ALTER TABLE deals DROP COLUMN buyer_acted_at;
ALTER TABLE users DROP COLUMN verified_at;
