-- Notifications about more than matches: an auction's events name the lot as their subject and
-- carry no demand or score.
ALTER TABLE notifications ALTER COLUMN demand_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN achievement_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN score DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN subject_kind TEXT;
ALTER TABLE notifications ADD COLUMN subject_id TEXT;
CREATE INDEX notifications_subject_idx ON notifications (subject_kind, subject_id);
-- When the lot's registered bidders were told it starts soon (once).
ALTER TABLE auctions ADD COLUMN starting_soon_sent_at TIMESTAMP;
