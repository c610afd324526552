-- Rate-limit counters shared by every instance on one database (issue 11): hits per bucket
-- (e.g. `login:client:203.0.113.9`) per fixed one-minute window (unix seconds of its start).
CREATE TABLE rate_limit_windows (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_windows_start_idx ON rate_limit_windows (window_start);
