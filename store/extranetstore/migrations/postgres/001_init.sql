-- The extranet's tables. Instants are TEXT in store.TimeLayout (fixed-width
-- UTC, so they sort as strings); an empty string means "none". Identifiers are
-- extranet.NewID strings, made by the application so that multi-row inserts
-- need no RETURNING. Migration 014 changes these conventions: "none" is NULL
-- on both engines, and PostgreSQL's instants, dates and flags take its own
-- types (timestamptz, date, boolean).

CREATE TABLE schools (
    fase        INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Only the SHA-256 of a token is stored.
CREATE TABLE school_tokens (
    token_hash  TEXT PRIMARY KEY,
    fase        INTEGER NOT NULL REFERENCES schools(fase),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX school_tokens_fase ON school_tokens(fase);

CREATE TABLE persons (
    id            TEXT PRIMARY KEY,
    last_name     TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    birth_date    TEXT NOT NULL DEFAULT '',
    -- NULL when unknown: unique when known.
    matricule     TEXT UNIQUE,
    -- folded names and birth date (extranet.IdentityKey); '' without birth date.
    identity_key  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX persons_identity ON persons(identity_key);
-- Two persons without matricule and with the same names and birth date could
-- never be told apart: refuse the second, which happens only when two schools
-- create the same person at the same instant (the loser retries and finds it).
CREATE UNIQUE INDEX persons_identity_no_matricule ON persons(identity_key)
    WHERE matricule IS NULL AND identity_key <> '';

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL UNIQUE REFERENCES persons(id),
    login          TEXT NOT NULL UNIQUE,
    login_base     TEXT NOT NULL,
    email          TEXT NOT NULL,
    state          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    activated_at   TEXT NOT NULL DEFAULT '',
    disabled_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX accounts_login_base ON accounts(login_base);
CREATE INDEX accounts_email ON accounts(email);

CREATE TABLE grants (
    id                  TEXT PRIMARY KEY,
    person_id           TEXT NOT NULL REFERENCES persons(id),
    fase                INTEGER NOT NULL REFERENCES schools(fase),
    school_year         TEXT NOT NULL,
    role                TEXT NOT NULL,
    email               TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    first_name          TEXT NOT NULL,
    state               TEXT NOT NULL,
    since               TEXT NOT NULL,
    pending             TEXT NOT NULL DEFAULT '',
    pending_role        TEXT NOT NULL DEFAULT '',
    pending_email       TEXT NOT NULL DEFAULT '',
    pending_last_name   TEXT NOT NULL DEFAULT '',
    pending_first_name  TEXT NOT NULL DEFAULT '',
    pending_since       TEXT NOT NULL DEFAULT '',
    end_reason          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (fase, school_year, person_id)
);
CREATE INDEX grants_person ON grants(person_id);
CREATE INDEX grants_email ON grants(email);
CREATE INDEX grants_pending_email ON grants(pending_email) WHERE pending_email <> '';
CREATE INDEX grants_pending ON grants(pending, person_id) WHERE pending <> '';
CREATE INDEX grants_state_year ON grants(state, school_year);

CREATE TABLE rejections (
    id           TEXT PRIMARY KEY,
    fase         INTEGER NOT NULL REFERENCES schools(fase),
    school_year  TEXT NOT NULL,
    entry_key    TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    matricule    TEXT NOT NULL,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    transfer_id  TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    resolved_at  TEXT NOT NULL DEFAULT '',
    UNIQUE (fase, school_year, entry_key)
);
CREATE INDEX rejections_seen ON rejections(last_seen);

CREATE TABLE idempotency (
    fase        INTEGER NOT NULL REFERENCES schools(fase),
    idem_key    TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (fase, idem_key)
);
CREATE INDEX idempotency_created ON idempotency(created_at);

CREATE TABLE audit (
    id      TEXT PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    fase    INTEGER NOT NULL DEFAULT 0,
    detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_fase ON audit(fase, at);

CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    night_id    TEXT NOT NULL,
    sender      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT NOT NULL DEFAULT '',
    failed_at   TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at = '' AND failed_at = '';
CREATE INDEX outbox_person ON outbox(person_id);

CREATE TABLE night_runs (
    id        TEXT PRIMARY KEY,
    started   TEXT NOT NULL,
    report    TEXT NOT NULL
);
CREATE INDEX night_runs_started ON night_runs(started);

-- Named leases: the night-run lock on SQLite (PostgreSQL uses an advisory
-- lock, released by the server if the process dies).
CREATE TABLE locks (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    expires_at  TEXT NOT NULL DEFAULT ''
);
INSERT INTO locks (name) VALUES ('night');

CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, csrf TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE operators (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
