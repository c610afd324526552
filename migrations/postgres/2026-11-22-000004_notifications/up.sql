CREATE TABLE notifications (
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
CREATE INDEX notifications_org_idx ON notifications (org_id, id);
CREATE UNIQUE INDEX notifications_pair_key ON notifications (org_id, kind, demand_id, achievement_id);

CREATE TABLE webhooks (
    org_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    notification_id TEXT NOT NULL REFERENCES notifications (id),
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
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_org_idx ON webhook_deliveries (org_id, id);
