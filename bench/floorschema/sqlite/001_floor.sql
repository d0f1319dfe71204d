-- The floor's tables: the project's shapes and indexes of persons, grants,
-- accounts and the outbox, as ../shared/perf/floor.sh has them. PostgreSQL's
-- floor runs these statements as they are; SQLite's opens them as the
-- migration of a database of its own (bench/floor.go).
CREATE TABLE persons (id TEXT PRIMARY KEY, last_name TEXT NOT NULL, first_name TEXT NOT NULL, birth_date TEXT NOT NULL DEFAULT '',
  matricule TEXT UNIQUE, identity_key TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX persons_identity ON persons(identity_key);
CREATE TABLE grants (id TEXT PRIMARY KEY, person_id TEXT NOT NULL, fase INTEGER NOT NULL, school_year TEXT NOT NULL, role TEXT NOT NULL,
  email TEXT NOT NULL, last_name TEXT NOT NULL, first_name TEXT NOT NULL, state TEXT NOT NULL, since TEXT NOT NULL,
  pending TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (fase, school_year, person_id));
CREATE INDEX grants_person ON grants(person_id); CREATE INDEX grants_email ON grants(email);
CREATE INDEX grants_pending ON grants(pending, person_id) WHERE pending <> '';
CREATE TABLE accounts (id TEXT PRIMARY KEY, person_id TEXT NOT NULL UNIQUE, login TEXT NOT NULL UNIQUE, email TEXT NOT NULL,
  state TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE outbox (id TEXT PRIMARY KEY, person_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
