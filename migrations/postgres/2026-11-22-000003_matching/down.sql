DROP TABLE match_feedback;
