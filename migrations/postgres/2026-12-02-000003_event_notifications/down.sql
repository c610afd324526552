ALTER TABLE auctions DROP COLUMN starting_soon_sent_at;
DELETE FROM webhook_deliveries WHERE notification_id IN
    (SELECT id FROM notifications WHERE demand_id IS NULL OR achievement_id IS NULL OR score IS NULL);
DELETE FROM notifications WHERE demand_id IS NULL OR achievement_id IS NULL OR score IS NULL;
DROP INDEX notifications_subject_idx;
ALTER TABLE notifications DROP COLUMN subject_id;
ALTER TABLE notifications DROP COLUMN subject_kind;
ALTER TABLE notifications ALTER COLUMN score SET NOT NULL;
ALTER TABLE notifications ALTER COLUMN achievement_id SET NOT NULL;
ALTER TABLE notifications ALTER COLUMN demand_id SET NOT NULL;
