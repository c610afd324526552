DROP TABLE audit_log;
DROP TABLE invites;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organizations;
