-- Per-user preferences of the school pages (the list's columns and sort),
-- one JSON value per key.
CREATE TABLE user_prefs (
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (user_id, key)
);
