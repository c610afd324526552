ALTER TABLE auctions DROP COLUMN starting_soon_sent_at;
CREATE TABLE notifications_next (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL,
    demand_id TEXT NOT NULL REFERENCES listings (id),
    achievement_id TEXT NOT NULL REFERENCES listings (id),
    score DOUBLE PRECISION NOT NULL,
    title TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE webhook_deliveries_next (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    notification_id TEXT NOT NULL REFERENCES notifications_next (id),
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
INSERT INTO notifications_next (id, org_id, kind, demand_id, achievement_id, score, title, read_at, created_at) SELECT id, org_id, kind, demand_id, achievement_id, score, title, read_at, created_at FROM notifications
    WHERE demand_id IS NOT NULL AND achievement_id IS NOT NULL AND score IS NOT NULL;
INSERT INTO webhook_deliveries_next (id, org_id, notification_id, url, body, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at) SELECT id, org_id, notification_id, url, body, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at FROM webhook_deliveries
    WHERE notification_id IN (SELECT id FROM notifications_next);
DROP INDEX notifications_subject_idx;
DROP TABLE webhook_deliveries;
DROP TABLE notifications;
ALTER TABLE notifications_next RENAME TO notifications;
ALTER TABLE webhook_deliveries_next RENAME TO webhook_deliveries;
CREATE INDEX notifications_org_idx ON notifications (org_id, id);
CREATE UNIQUE INDEX notifications_pair_key ON notifications (org_id, kind, demand_id, achievement_id);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_org_idx ON webhook_deliveries (org_id, id);
