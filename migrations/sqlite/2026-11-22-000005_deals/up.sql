CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    anonymous_attendance BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_starts_at_idx ON events (starts_at);

CREATE TABLE event_listings (
    event_id TEXT NOT NULL REFERENCES events (id),
    listing_id TEXT NOT NULL REFERENCES listings (id),
    library TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, listing_id)
);
CREATE INDEX event_listings_library_idx ON event_listings (event_id, library);

CREATE TABLE event_participants (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id),
    kind TEXT NOT NULL,
    org_id TEXT REFERENCES organizations (id),
    user_id TEXT REFERENCES users (id),
    name TEXT,
    organization_name TEXT,
    added_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX event_participants_event_idx ON event_participants (event_id, kind);
CREATE UNIQUE INDEX event_participants_org_key ON event_participants (event_id, org_id) WHERE org_id IS NOT NULL AND kind = 'organization';
CREATE UNIQUE INDEX event_participants_user_key ON event_participants (event_id, user_id) WHERE user_id IS NOT NULL;

CREATE TABLE deals (
    id TEXT PRIMARY KEY NOT NULL,
    demand_id TEXT REFERENCES listings (id),
    achievement_id TEXT REFERENCES listings (id),
    buyer_org_id TEXT NOT NULL REFERENCES organizations (id),
    seller_org_id TEXT NOT NULL REFERENCES organizations (id),
    broker_id TEXT REFERENCES users (id),
    event_id TEXT REFERENCES events (id),
    response_id TEXT,
    source TEXT NOT NULL,
    stage TEXT NOT NULL,
    furthest_stage TEXT NOT NULL,
    lost_reason TEXT,
    lost_note TEXT,
    commission_rate_bp BIGINT,
    commission_fen BIGINT,
    connected_at TIMESTAMP NOT NULL,
    intention_at TIMESTAMP,
    agreement_at TIMESTAMP,
    signed_at TIMESTAMP,
    lost_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deals_open_pair_key ON deals (demand_id, achievement_id)
    WHERE demand_id IS NOT NULL AND achievement_id IS NOT NULL
      AND stage IN ('connected', 'intention', 'agreement');
CREATE INDEX deals_buyer_idx ON deals (buyer_org_id);
CREATE INDEX deals_seller_idx ON deals (seller_org_id);
CREATE INDEX deals_broker_idx ON deals (broker_id);
CREATE INDEX deals_event_idx ON deals (event_id, furthest_stage);
CREATE INDEX deals_connected_at_idx ON deals (connected_at);
CREATE INDEX deals_demand_idx ON deals (demand_id);
CREATE INDEX deals_achievement_idx ON deals (achievement_id);

CREATE TABLE deal_messages (
    id TEXT PRIMARY KEY NOT NULL,
    deal_id TEXT NOT NULL REFERENCES deals (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_messages_deal_idx ON deal_messages (deal_id, id);

CREATE TABLE demand_responses (
    id TEXT PRIMARY KEY NOT NULL,
    demand_id TEXT NOT NULL REFERENCES listings (id),
    responder_id TEXT NOT NULL REFERENCES users (id),
    responder_org_id TEXT REFERENCES organizations (id),
    responder_key TEXT NOT NULL,
    proposal TEXT NOT NULL,
    achievement_id TEXT REFERENCES listings (id),
    estimated_cost_fen BIGINT,
    estimated_months INTEGER,
    status TEXT NOT NULL,
    decline_reason TEXT,
    decline_note TEXT,
    deal_id TEXT REFERENCES deals (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX demand_responses_live_key ON demand_responses (demand_id, responder_key)
    WHERE status IN ('submitted', 'shortlisted', 'accepted');
CREATE INDEX demand_responses_demand_idx ON demand_responses (demand_id, id);
CREATE INDEX demand_responses_responder_idx ON demand_responses (responder_id, id);
CREATE INDEX demand_responses_org_idx ON demand_responses (responder_org_id, id);
