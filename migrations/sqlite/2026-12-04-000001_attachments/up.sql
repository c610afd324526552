-- Files uploaded to the market (patent certificates, signed contract scans, invoices, …). The
-- bytes live in object storage under their SHA-256 (content-addressed, shared by identical
-- uploads); a row is one upload by one user. An upload no record links to is its uploader's
-- and is swept after a day.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    org_id TEXT REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_sha256_idx ON attachments (sha256);
CREATE INDEX attachments_created_idx ON attachments (created_at);

-- Which record an attachment belongs to: any kind of record (`subject_kind`: achievement,
-- contract, auction, voucher_order, …) under a role (`patent_certificate`, `signed_scan`, …).
CREATE TABLE attachment_links (
    attachment_id TEXT NOT NULL REFERENCES attachments (id),
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (attachment_id, subject_kind, subject_id)
);
CREATE INDEX attachment_links_subject_idx ON attachment_links (subject_kind, subject_id);
