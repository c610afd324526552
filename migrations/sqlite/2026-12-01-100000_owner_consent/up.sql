-- Confidential details open through a deal only after an act of the record owner's side
-- (issue 11): the first time a member of the buyer or of the seller organization opened,
-- accepted or advanced the deal. Technology brokers carry deals once an administrator has
-- verified them (users.verified_at).
ALTER TABLE users ADD COLUMN verified_at TIMESTAMP;
ALTER TABLE deals ADD COLUMN buyer_acted_at TIMESTAMP;
ALTER TABLE deals ADD COLUMN seller_acted_at TIMESTAMP;
-- Existing deals: an accepted answer is both sides' act; otherwise the opener's side acted.
UPDATE deals SET buyer_acted_at = created_at
    WHERE source = 'response'
       OR created_by IN (SELECT id FROM users WHERE users.organization_id = deals.buyer_org_id);
UPDATE deals SET seller_acted_at = created_at
    WHERE source = 'response'
       OR created_by IN (SELECT id FROM users WHERE users.organization_id = deals.seller_org_id);
-- Users an administrator created were vetted by that administrator.
UPDATE users SET verified_at = created_at WHERE role = 'admin';
