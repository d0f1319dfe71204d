-- School side, SQLite. Dates are "YYYY-MM-DD" text ('' when absent), instants
-- store.TimeLayout text, booleans 0/1. Migration 004 changes these
-- conventions: NULL when absent on both engines, and PostgreSQL's own types
-- (date, timestamptz, boolean).
CREATE TABLE schools (
	fase INTEGER PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE members (
	id INTEGER PRIMARY KEY,
	last_name TEXT NOT NULL,
	first_name TEXT NOT NULL,
	birth_date TEXT NOT NULL DEFAULT '',
	sex INTEGER NOT NULL DEFAULT 0,
	niss TEXT NOT NULL DEFAULT '',
	matricule TEXT NOT NULL DEFAULT '',
	school_email TEXT NOT NULL DEFAULT '',
	private_email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX members_matricule ON members(matricule);
CREATE INDEX members_niss ON members(niss);

CREATE TABLE situations (
	id INTEGER PRIMARY KEY,
	member_id INTEGER NOT NULL REFERENCES members(id),
	fase INTEGER NOT NULL REFERENCES schools(fase),
	start_date TEXT NOT NULL DEFAULT '',
	end_date TEXT NOT NULL DEFAULT '',
	present INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT '-',
	function TEXT NOT NULL DEFAULT '',
	promotion INTEGER NOT NULL DEFAULT 0,
	charge TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT ''
);
CREATE INDEX situations_fase ON situations(fase);
CREATE INDEX situations_member ON situations(member_id);

CREATE TABLE settings (
	fase INTEGER PRIMARY KEY REFERENCES schools(fase),
	extranet_url TEXT NOT NULL DEFAULT '',
	token TEXT NOT NULL DEFAULT '',
	auto INTEGER NOT NULL DEFAULT 0,
	auto_consent_by TEXT NOT NULL DEFAULT '',
	auto_consent_at TEXT NOT NULL DEFAULT '',
	auto_days TEXT NOT NULL DEFAULT '',
	auto_hour INTEGER NOT NULL DEFAULT 19
);

CREATE TABLE transfers (
	id INTEGER PRIMARY KEY,
	fase INTEGER NOT NULL REFERENCES schools(fase),
	at TEXT NOT NULL,
	by_name TEXT NOT NULL DEFAULT '',
	dry_run INTEGER NOT NULL DEFAULT 0,
	outcome TEXT NOT NULL,
	school_year TEXT NOT NULL DEFAULT '',
	completed INTEGER NOT NULL DEFAULT 0,
	errors INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL DEFAULT 0,
	modified INTEGER NOT NULL DEFAULT 0,
	deactivated INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	rejected INTEGER NOT NULL DEFAULT 0,
	messages TEXT NOT NULL DEFAULT '[]',
	error TEXT NOT NULL DEFAULT '',
	extranet_id TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfers_fase_at ON transfers(fase, at);

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	direction INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, csrf TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX sessions_user ON sessions(user_id);
