-- Public pricing notices (公示) of results sold by agreement, listing or auction, and the
-- objections raised against them (issue 13).
CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    achievement_id TEXT NOT NULL REFERENCES listings(id),
    seller_org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    transfer_mode TEXT NOT NULL,
    buyer_org_id TEXT REFERENCES organizations(id),
    buyer_name TEXT,
    related_party BOOLEAN NOT NULL DEFAULT 0,
    days BIGINT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    deal_id TEXT,
    auction_id TEXT,
    halted_at TIMESTAMP,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_by_achievement ON notices (achievement_id);
CREATE INDEX notices_by_deal ON notices (deal_id);

CREATE TABLE notice_objections (
    id TEXT PRIMARY KEY NOT NULL,
    notice_id TEXT NOT NULL REFERENCES notices(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    resolved_by TEXT,
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notice_objections_by_notice ON notice_objections (notice_id, id);
