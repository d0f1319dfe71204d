-- PostgreSQL moves to its own types here (timestamptz, date, boolean; see
-- its migration 004). SQLite keeps instants as store.TimeLayout text, dates
-- as store.DateLayout text and flags as 0/1, but "none" becomes NULL, as on
-- PostgreSQL, instead of an empty string. SQLite cannot drop a column's NOT
-- NULL, so the tables with optional dates or instants are rebuilt (new
-- table, copy, drop, rename, indexes again), with the same keys; foreign
-- keys are checked once the migration is done (store.DB.Migrate).

CREATE TABLE members_new (
	id INTEGER PRIMARY KEY,
	last_name TEXT NOT NULL,
	first_name TEXT NOT NULL,
	birth_date TEXT,
	sex INTEGER NOT NULL DEFAULT 0,
	niss TEXT NOT NULL DEFAULT '',
	matricule TEXT NOT NULL DEFAULT '',
	school_email TEXT NOT NULL DEFAULT '',
	private_email TEXT NOT NULL DEFAULT ''
);
INSERT INTO members_new (id, last_name, first_name, birth_date, sex, niss, matricule, school_email, private_email)
SELECT id, last_name, first_name, NULLIF(birth_date, ''), sex, niss, matricule, school_email, private_email FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE INDEX members_matricule ON members(matricule);
CREATE INDEX members_niss ON members(niss);

CREATE TABLE situations_new (
	id INTEGER PRIMARY KEY,
	member_id INTEGER NOT NULL REFERENCES members(id),
	fase INTEGER NOT NULL REFERENCES schools(fase),
	start_date TEXT,
	end_date TEXT,
	present INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT '-',
	function TEXT NOT NULL DEFAULT '',
	promotion INTEGER NOT NULL DEFAULT 0,
	charge TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT ''
);
INSERT INTO situations_new (id, member_id, fase, start_date, end_date, present, active, status, function, promotion, charge, role)
SELECT id, member_id, fase, NULLIF(start_date, ''), NULLIF(end_date, ''), present, active, status, function, promotion, charge, role FROM situations;
DROP TABLE situations;
ALTER TABLE situations_new RENAME TO situations;
CREATE INDEX situations_fase ON situations(fase);
CREATE INDEX situations_member ON situations(member_id);

CREATE TABLE settings_new (
	fase INTEGER PRIMARY KEY REFERENCES schools(fase),
	extranet_url TEXT NOT NULL DEFAULT '',
	token TEXT NOT NULL DEFAULT '',
	auto INTEGER NOT NULL DEFAULT 0,
	auto_consent_by TEXT NOT NULL DEFAULT '',
	auto_consent_at TEXT,
	auto_days TEXT NOT NULL DEFAULT '',
	auto_hour INTEGER NOT NULL DEFAULT 19
);
INSERT INTO settings_new (fase, extranet_url, token, auto, auto_consent_by, auto_consent_at, auto_days, auto_hour)
SELECT fase, extranet_url, token, auto, auto_consent_by, NULLIF(auto_consent_at, ''), auto_days, auto_hour FROM settings;
DROP TABLE settings;
ALTER TABLE settings_new RENAME TO settings;

CREATE TABLE transfers_new (
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
	idempotency_key TEXT NOT NULL DEFAULT '',
	seen_by TEXT NOT NULL DEFAULT '',
	seen_at TEXT
);
INSERT INTO transfers_new (id, fase, at, by_name, dry_run, outcome, school_year, completed, errors, created, modified,
	deactivated, unchanged, rejected, messages, error, extranet_id, idempotency_key, seen_by, seen_at)
SELECT id, fase, at, by_name, dry_run, outcome, school_year, completed, errors, created, modified,
	deactivated, unchanged, rejected, messages, error, extranet_id, idempotency_key, seen_by, NULLIF(seen_at, '') FROM transfers;
DROP TABLE transfers;
ALTER TABLE transfers_new RENAME TO transfers;
CREATE INDEX transfers_fase_at ON transfers(fase, at);
