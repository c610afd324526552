-- Innovation vouchers (科技创新券, issue 14): the bureau's programmes, the vouchers issued to
-- enterprises, the service orders paid with them, the claims for the voucher share and the
-- settlement batches that pay the claims.
CREATE TABLE voucher_programs (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    budget_fen BIGINT NOT NULL,
    application_cap_fen BIGINT NOT NULL,
    enterprise_year_cap_fen BIGINT NOT NULL,
    coverage_bp BIGINT NOT NULL,
    full_cover_below_fen BIGINT NOT NULL,
    service_types TEXT NOT NULL,
    mode TEXT NOT NULL,
    use_by DATE NOT NULL,
    claim_by DATE NOT NULL,
    accepted_regions TEXT NOT NULL,
    committed_fen BIGINT NOT NULL,
    issued_count BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES voucher_programs(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    applicant_id TEXT NOT NULL REFERENCES users(id),
    number TEXT,
    status TEXT NOT NULL,
    requested_fen BIGINT NOT NULL,
    approved_fen BIGINT,
    balance_fen BIGINT NOT NULL,
    lapsed_fen BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    reason TEXT,
    use_by DATE NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    lapsed_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX vouchers_number ON vouchers (program_id, number);
CREATE INDEX vouchers_by_org ON vouchers (org_id, id);
CREATE INDEX vouchers_due ON vouchers (status, use_by);

CREATE TABLE voucher_claims (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES voucher_programs(id),
    claimant_org_id TEXT NOT NULL REFERENCES organizations(id),
    invoice_number TEXT NOT NULL,
    status TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    note TEXT,
    reason TEXT,
    settlement_id TEXT,
    approved_at TIMESTAMP,
    paid_at TIMESTAMP,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX voucher_claims_by_program ON voucher_claims (program_id, status);
CREATE INDEX voucher_claims_by_settlement ON voucher_claims (settlement_id);

CREATE TABLE voucher_orders (
    id TEXT PRIMARY KEY NOT NULL,
    voucher_id TEXT NOT NULL REFERENCES vouchers(id),
    program_id TEXT NOT NULL REFERENCES voucher_programs(id),
    enterprise_org_id TEXT NOT NULL REFERENCES organizations(id),
    provider_id TEXT NOT NULL REFERENCES listings(id),
    provider_org_id TEXT NOT NULL REFERENCES organizations(id),
    provider_region_code TEXT NOT NULL,
    service_type TEXT NOT NULL,
    description TEXT NOT NULL,
    fee_fen BIGINT NOT NULL,
    voucher_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    claim_id TEXT REFERENCES voucher_claims(id),
    created_by TEXT NOT NULL,
    accepted_at TIMESTAMP,
    delivered_at TIMESTAMP,
    confirmed_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX voucher_orders_by_voucher ON voucher_orders (voucher_id);
CREATE INDEX voucher_orders_by_enterprise ON voucher_orders (enterprise_org_id, id);
CREATE INDEX voucher_orders_by_provider ON voucher_orders (provider_org_id, id);
CREATE INDEX voucher_orders_by_claim ON voucher_orders (claim_id);

CREATE TABLE voucher_settlements (
    id TEXT PRIMARY KEY NOT NULL,
    program_id TEXT NOT NULL REFERENCES voucher_programs(id),
    through DATE NOT NULL,
    total_fen BIGINT NOT NULL,
    claim_count BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX voucher_settlements_by_program ON voucher_settlements (program_id, id);
