CREATE TABLE listings (
    id TEXT PRIMARY KEY NOT NULL,
    library TEXT NOT NULL,
    org_id TEXT REFERENCES organizations (id),
    owner_user_id TEXT REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    region_code TEXT NOT NULL,
    valid_until DATE NOT NULL,
    external_ref TEXT,
    rejection_reason TEXT,
    submitted_at TIMESTAMP,
    reviewed_at TIMESTAMP,
    reviewed_by TEXT,
    published_at TIMESTAMP,
    closed_reason TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX listings_library_status_idx ON listings (library, status, id);
CREATE INDEX listings_review_idx ON listings (status, submitted_at);
CREATE INDEX listings_org_idx ON listings (org_id);
CREATE INDEX listings_owner_idx ON listings (owner_user_id);
CREATE UNIQUE INDEX listings_external_ref_key ON listings (library, org_id, external_ref);

CREATE TABLE achievements (
    id TEXT PRIMARY KEY NOT NULL REFERENCES listings (id),
    summary TEXT NOT NULL,
    keywords TEXT NOT NULL,
    technology_field TEXT NOT NULL,
    industry TEXT,
    maturity TEXT NOT NULL,
    trl INTEGER,
    ip_type TEXT NOT NULL,
    patents TEXT NOT NULL,
    cooperation_modes TEXT NOT NULL,
    asking_price_fen BIGINT,
    team TEXT,
    contact TEXT,
    international BOOLEAN NOT NULL DEFAULT FALSE,
    confidential_details TEXT
);
CREATE INDEX achievements_field_idx ON achievements (technology_field);
CREATE INDEX achievements_price_idx ON achievements (asking_price_fen);

CREATE TABLE demands (
    id TEXT PRIMARY KEY NOT NULL REFERENCES listings (id),
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    technology_field TEXT NOT NULL,
    industry TEXT,
    required_maturity TEXT,
    budget_min_fen BIGINT,
    budget_max_fen BIGINT,
    cooperation_modes TEXT NOT NULL,
    deadline DATE,
    reward_fen BIGINT,
    contact TEXT,
    confidential_details TEXT
);
CREATE INDEX demands_field_idx ON demands (technology_field);

CREATE TABLE experts (
    id TEXT PRIMARY KEY NOT NULL REFERENCES listings (id),
    professional_title TEXT NOT NULL,
    affiliation_org_id TEXT REFERENCES organizations (id),
    affiliation_name TEXT,
    technology_fields TEXT NOT NULL,
    expertise_keywords TEXT NOT NULL,
    bio TEXT NOT NULL,
    services TEXT NOT NULL,
    availability TEXT NOT NULL,
    contact TEXT
);

CREATE TABLE service_providers (
    id TEXT PRIMARY KEY NOT NULL REFERENCES listings (id),
    service_types TEXT NOT NULL,
    technology_fields TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    description TEXT NOT NULL,
    accepts_vouchers BOOLEAN NOT NULL DEFAULT FALSE,
    services TEXT NOT NULL,
    contact TEXT
);

CREATE TABLE access_requests (
    id TEXT PRIMARY KEY NOT NULL,
    listing_id TEXT NOT NULL REFERENCES listings (id),
    requester_id TEXT NOT NULL REFERENCES users (id),
    requester_org_id TEXT REFERENCES organizations (id),
    message TEXT,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_note TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX access_requests_listing_idx ON access_requests (listing_id, status);
CREATE INDEX access_requests_requester_idx ON access_requests (requester_id);
