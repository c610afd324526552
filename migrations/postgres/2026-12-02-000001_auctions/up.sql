-- Trading (issue 13): auctions of achievements (english, sealed, dutch and listing lots),
-- the joint sessions (联合竞价) lots may belong to, the bidders registered for each lot with
-- their deposits, and the bids.
CREATE TABLE auction_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE auctions (
    id TEXT PRIMARY KEY NOT NULL,
    achievement_id TEXT NOT NULL REFERENCES listings(id),
    seller_org_id TEXT NOT NULL REFERENCES organizations(id),
    auction_type TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    starting_price_fen BIGINT NOT NULL,
    reserve_price_fen BIGINT,
    increment_fen BIGINT,
    increment_bp BIGINT,
    deposit_fen BIGINT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    scheduled_ends_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    extension_secs BIGINT NOT NULL,
    priority_window_secs BIGINT NOT NULL DEFAULT 0,
    priority_until TIMESTAMP,
    decrement_fen BIGINT,
    decrement_every_secs BIGINT,
    floor_price_fen BIGINT,
    session_id TEXT REFERENCES auction_sessions(id),
    converted_from TEXT,
    current_price_fen BIGINT,
    leading_bid_id TEXT,
    bid_count BIGINT NOT NULL DEFAULT 0,
    hammer_price_fen BIGINT,
    winner_registration_id TEXT,
    deal_id TEXT,
    relisted_from TEXT REFERENCES auctions(id),
    defaulted_registration_id TEXT,
    defaulted_at TIMESTAMP,
    runner_up_registration_id TEXT,
    runner_up_price_fen BIGINT,
    runner_up_status TEXT,
    reject_reason TEXT,
    cancel_reason TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    announced_at TIMESTAMP,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX auctions_by_status_end ON auctions (status, ends_at);
CREATE INDEX auctions_by_status_start ON auctions (status, starts_at);
CREATE INDEX auctions_by_priority_until ON auctions (priority_until);
CREATE INDEX auctions_by_seller ON auctions (seller_org_id, id);
CREATE INDEX auctions_by_achievement ON auctions (achievement_id);
CREATE INDEX auctions_by_session ON auctions (session_id);

CREATE TABLE auction_registrations (
    id TEXT PRIMARY KEY NOT NULL,
    auction_id TEXT NOT NULL REFERENCES auctions(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    bidder_code TEXT NOT NULL,
    deposit_status TEXT NOT NULL,
    priority BOOLEAN NOT NULL DEFAULT FALSE,
    max_amount_fen BIGINT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (auction_id, org_id),
    UNIQUE (auction_id, bidder_code)
);

CREATE TABLE auction_bids (
    id TEXT PRIMARY KEY NOT NULL,
    auction_id TEXT NOT NULL REFERENCES auctions(id),
    registration_id TEXT NOT NULL REFERENCES auction_registrations(id),
    amount_fen BIGINT NOT NULL,
    proxy BOOLEAN NOT NULL DEFAULT FALSE,
    accepted_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP
);
CREATE INDEX auction_bids_by_auction ON auction_bids (auction_id, accepted_at, id);
