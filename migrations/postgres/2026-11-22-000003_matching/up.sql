CREATE TABLE match_feedback (
    id TEXT PRIMARY KEY NOT NULL,
    demand_id TEXT NOT NULL REFERENCES listings (id),
    achievement_id TEXT NOT NULL REFERENCES listings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    relevant BOOLEAN NOT NULL,
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX match_feedback_pair_idx ON match_feedback (demand_id, achievement_id, id);
