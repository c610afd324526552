CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    deal_id TEXT REFERENCES deals (id),
    name TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    subtype TEXT,
    buyer_org_id TEXT REFERENCES organizations (id),
    buyer_name TEXT NOT NULL,
    buyer_credit_code TEXT,
    buyer_country TEXT NOT NULL,
    buyer_region_code TEXT,
    buyer_entity_kind TEXT NOT NULL,
    seller_org_id TEXT REFERENCES organizations (id),
    seller_name TEXT NOT NULL,
    seller_credit_code TEXT,
    seller_country TEXT NOT NULL,
    seller_region_code TEXT,
    seller_entity_kind TEXT NOT NULL,
    intermediary_kind TEXT,
    intermediary_user_id TEXT REFERENCES users (id),
    intermediary_org_id TEXT REFERENCES organizations (id),
    intermediary_name TEXT,
    commission_rate_bp BIGINT,
    commission_fen BIGINT,
    technology_field TEXT NOT NULL,
    ip_type TEXT NOT NULL,
    plan_category TEXT NOT NULL,
    signed_on DATE NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    amount_fen BIGINT NOT NULL,
    non_technical_costs TEXT NOT NULL,
    non_technical_fen BIGINT NOT NULL,
    technology_amount_fen BIGINT NOT NULL,
    expected_investment_fen BIGINT,
    expected_output_fen BIGINT,
    status TEXT NOT NULL,
    owner_org_id TEXT REFERENCES organizations (id),
    registry_region_code TEXT,
    registration_year INTEGER,
    registration_serial BIGINT,
    registration_number TEXT,
    registered_on DATE,
    registered_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMP,
    return_note TEXT,
    refusal_reason TEXT,
    technology_income_fen BIGINT,
    completed_at TIMESTAMP,
    terminated_reason TEXT,
    terminated_at TIMESTAMP,
    idempotency_key TEXT,
    request_hash TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX contracts_registration_number_key ON contracts (registration_number);
CREATE UNIQUE INDEX contracts_serial_key ON contracts (registry_region_code, registration_year, registration_serial);
CREATE UNIQUE INDEX contracts_idempotency_key ON contracts (created_by, idempotency_key);
CREATE INDEX contracts_status_registered_idx ON contracts (status, registered_on);
CREATE INDEX contracts_registered_on_idx ON contracts (registered_on);
CREATE INDEX contracts_deal_idx ON contracts (deal_id);
CREATE INDEX contracts_buyer_idx ON contracts (buyer_org_id);
CREATE INDEX contracts_seller_idx ON contracts (seller_org_id);
CREATE INDEX contracts_owner_idx ON contracts (owner_org_id);
CREATE INDEX contracts_intermediary_idx ON contracts (intermediary_user_id);

CREATE TABLE contract_milestones (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    position INTEGER NOT NULL,
    due_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX contract_milestones_contract_idx ON contract_milestones (contract_id, position);

CREATE TABLE contract_payments (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    milestone_id TEXT REFERENCES contract_milestones (id),
    paid_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contract_payments_contract_idx ON contract_payments (contract_id, id);

CREATE TABLE contract_amendments (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    new_values TEXT NOT NULL,
    previous_values TEXT,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contract_amendments_contract_idx ON contract_amendments (contract_id, id);

CREATE TABLE registration_serials (
    registry_region_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_serial BIGINT NOT NULL,
    PRIMARY KEY (registry_region_code, year)
);
