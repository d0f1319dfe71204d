-- PostgreSQL moves to its own types here (timestamptz, date, boolean; see
-- its migration 014). SQLite keeps instants as store.TimeLayout text, dates
-- as store.DateLayout text and flags as 0/1, but "none" becomes NULL, as on
-- PostgreSQL, instead of an empty string. SQLite cannot drop a column's NOT
-- NULL, so each table with an optional instant or date is rebuilt: a new
-- table with the same columns, keys and foreign keys, the rows copied with
-- NULLIF(col, ''), the old table dropped, the new one renamed and its
-- indexes made again (outbox_unsent's condition now on NULL). Foreign keys
-- are not enforced while a migration runs and are checked before it commits
-- (store.DB.Migrate).

CREATE TABLE school_tokens_new (
    token_hash  TEXT PRIMARY KEY,
    fase        INTEGER NOT NULL REFERENCES schools(fase),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT
);
INSERT INTO school_tokens_new (token_hash, fase, created_at, created_by, revoked_at)
SELECT token_hash, fase, created_at, created_by, NULLIF(revoked_at, '') FROM school_tokens;
DROP TABLE school_tokens;
ALTER TABLE school_tokens_new RENAME TO school_tokens;
CREATE INDEX school_tokens_fase ON school_tokens(fase);

CREATE TABLE persons_new (
    id            TEXT PRIMARY KEY,
    last_name     TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    birth_date    TEXT,
    -- NULL when unknown: unique when known.
    matricule     TEXT UNIQUE,
    -- folded names and birth date (extranet.IdentityKey); '' without birth date.
    identity_key  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
INSERT INTO persons_new (id, last_name, first_name, birth_date, matricule, identity_key, created_at, updated_at)
SELECT id, last_name, first_name, NULLIF(birth_date, ''), matricule, identity_key, created_at, updated_at FROM persons;
DROP TABLE persons;
ALTER TABLE persons_new RENAME TO persons;
CREATE INDEX persons_identity ON persons(identity_key);
CREATE UNIQUE INDEX persons_identity_no_matricule ON persons(identity_key)
    WHERE matricule IS NULL AND identity_key <> '';

CREATE TABLE accounts_new (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL UNIQUE REFERENCES persons(id),
    login          TEXT NOT NULL UNIQUE,
    login_base     TEXT NOT NULL,
    email          TEXT NOT NULL,
    state          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    activated_at   TEXT,
    disabled_at    TEXT
, disabled_by TEXT NOT NULL DEFAULT '', own_grant TEXT NOT NULL DEFAULT '');
INSERT INTO accounts_new (id, person_id, login, login_base, email, state, password_hash, created_at, updated_at, activated_at, disabled_at, disabled_by, own_grant)
SELECT id, person_id, login, login_base, email, state, password_hash, created_at, updated_at, NULLIF(activated_at, ''), NULLIF(disabled_at, ''), disabled_by, own_grant FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_login_base ON accounts(login_base);
CREATE INDEX accounts_email ON accounts(email);

CREATE TABLE grants_new (
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
    pending_since       TEXT,
    end_reason          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL, sent_birth_date TEXT, sent_matricule TEXT NOT NULL DEFAULT '',
    UNIQUE (fase, school_year, person_id)
);
INSERT INTO grants_new (id, person_id, fase, school_year, role, email, last_name, first_name, state, since, pending, pending_role, pending_email, pending_last_name, pending_first_name, pending_since, end_reason, created_at, updated_at, sent_birth_date, sent_matricule)
SELECT id, person_id, fase, school_year, role, email, last_name, first_name, state, since, pending, pending_role, pending_email, pending_last_name, pending_first_name, NULLIF(pending_since, ''), end_reason, created_at, updated_at, NULLIF(sent_birth_date, ''), sent_matricule FROM grants;
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;
CREATE INDEX grants_person ON grants(person_id);
CREATE INDEX grants_email ON grants(email);
CREATE INDEX grants_pending_email ON grants(pending_email) WHERE pending_email <> '';
CREATE INDEX grants_pending ON grants(pending, person_id) WHERE pending <> '';

CREATE TABLE rejections_new (
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
    resolved_at  TEXT,
    UNIQUE (fase, school_year, entry_key)
);
INSERT INTO rejections_new (id, fase, school_year, entry_key, last_name, first_name, birth_date, matricule, email, role, reason, transfer_id, first_seen, last_seen, resolved_at)
SELECT id, fase, school_year, entry_key, last_name, first_name, birth_date, matricule, email, role, reason, transfer_id, first_seen, last_seen, NULLIF(resolved_at, '') FROM rejections;
DROP TABLE rejections;
ALTER TABLE rejections_new RENAME TO rejections;
CREATE INDEX rejections_seen ON rejections(last_seen);

CREATE TABLE outbox_new (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    night_id    TEXT NOT NULL,
    sender      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    failed_at   TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new (id, kind, person_id, night_id, sender, recipient, subject, body, created_at, sent_at, failed_at, attempts, last_error)
SELECT id, kind, person_id, night_id, sender, recipient, subject, body, created_at, NULLIF(sent_at, ''), NULLIF(failed_at, ''), attempts, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_person ON outbox(person_id);

CREATE TABLE locks_new (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    expires_at  TEXT
);
INSERT INTO locks_new (name, holder, expires_at)
SELECT name, holder, NULLIF(expires_at, '') FROM locks;
DROP TABLE locks;
ALTER TABLE locks_new RENAME TO locks;

CREATE TABLE signin_links_new (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
, purpose TEXT NOT NULL DEFAULT 'signin', from_email TEXT NOT NULL DEFAULT '');
INSERT INTO signin_links_new (token_hash, account_id, email, created_at, expires_at, used_at, purpose, from_email)
SELECT token_hash, account_id, email, created_at, expires_at, NULLIF(used_at, ''), purpose, from_email FROM signin_links;
DROP TABLE signin_links;
ALTER TABLE signin_links_new RENAME TO signin_links;
CREATE INDEX signin_links_account ON signin_links(account_id);
CREATE INDEX signin_links_expires ON signin_links(expires_at);

CREATE TABLE transfer_log_new (
    id              TEXT PRIMARY KEY,
    fase            INTEGER NOT NULL,
    school_year     TEXT NOT NULL,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    counts          TEXT NOT NULL,
    deactivations   INTEGER NOT NULL DEFAULT 0,
    live_grants     INTEGER NOT NULL DEFAULT 0,
    changes         TEXT NOT NULL DEFAULT '[]',
    dismissed_at    TEXT,
    dismissed_by    TEXT NOT NULL DEFAULT ''
);
INSERT INTO transfer_log_new (id, fase, school_year, at, actor, outcome, counts, deactivations, live_grants, changes, dismissed_at, dismissed_by)
SELECT id, fase, school_year, at, actor, outcome, counts, deactivations, live_grants, changes, NULLIF(dismissed_at, ''), dismissed_by FROM transfer_log;
DROP TABLE transfer_log;
ALTER TABLE transfer_log_new RENAME TO transfer_log;
CREATE INDEX transfer_log_at ON transfer_log(at);
CREATE INDEX transfer_log_fase ON transfer_log(fase, at);

CREATE TABLE account_addresses_new (
    account_id  TEXT NOT NULL,
    email       TEXT NOT NULL,
    circle      TEXT NOT NULL,
    linked_at   TEXT,
    proven_at   TEXT,
    PRIMARY KEY (account_id, email)
);
INSERT INTO account_addresses_new (account_id, email, circle, linked_at, proven_at)
SELECT account_id, email, circle, NULLIF(linked_at, ''), NULLIF(proven_at, '') FROM account_addresses;
DROP TABLE account_addresses;
ALTER TABLE account_addresses_new RENAME TO account_addresses;
CREATE INDEX account_addresses_circle ON account_addresses(account_id, circle);

CREATE TABLE grant_notices_new (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL DEFAULT '',
    grant_id        TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    fase            INTEGER NOT NULL,
    school_name     TEXT NOT NULL,
    school_year     TEXT NOT NULL,
    role            TEXT NOT NULL,
    notified_email  TEXT NOT NULL,
    grant_email     TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    disputed_at     TEXT,
    suspended       INTEGER NOT NULL DEFAULT 0,
    decided_at      TEXT,
    decided_by      TEXT NOT NULL DEFAULT '',
    decision        TEXT NOT NULL DEFAULT ''
);
INSERT INTO grant_notices_new (id, token_hash, grant_id, person_id, account_id, fase, school_name, school_year, role, notified_email, grant_email, last_name, first_name, created_at, expires_at, disputed_at, suspended, decided_at, decided_by, decision)
SELECT id, token_hash, grant_id, person_id, account_id, fase, school_name, school_year, role, notified_email, grant_email, last_name, first_name, created_at, expires_at, NULLIF(disputed_at, ''), suspended, NULLIF(decided_at, ''), decided_by, decision FROM grant_notices;
DROP TABLE grant_notices;
ALTER TABLE grant_notices_new RENAME TO grant_notices;
CREATE INDEX grant_notices_person ON grant_notices(person_id);
CREATE INDEX grant_notices_token ON grant_notices(token_hash);
CREATE INDEX grant_notices_disputed ON grant_notices(disputed_at);

CREATE TABLE identity_matches_new (
    id           TEXT PRIMARY KEY,
    fase         INTEGER NOT NULL,
    school_year  TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    grant_id     TEXT NOT NULL,
    strength     TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    other_fases  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    reviewed_at  TEXT,
    reviewed_by  TEXT NOT NULL DEFAULT ''
);
INSERT INTO identity_matches_new (id, fase, school_year, person_id, grant_id, strength, last_name, first_name, other_fases, created_at, reviewed_at, reviewed_by)
SELECT id, fase, school_year, person_id, grant_id, strength, last_name, first_name, other_fases, created_at, NULLIF(reviewed_at, ''), reviewed_by FROM identity_matches;
DROP TABLE identity_matches;
ALTER TABLE identity_matches_new RENAME TO identity_matches;
CREATE INDEX identity_matches_open ON identity_matches(reviewed_at, created_at);

CREATE TABLE scim_users_new (
    grant_id    TEXT PRIMARY KEY,
    fase        INTEGER NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    user_name   TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    deleted_at  TEXT,
    updated_at  TEXT NOT NULL
);
INSERT INTO scim_users_new (grant_id, fase, external_id, user_name, display_name, deleted_at, updated_at)
SELECT grant_id, fase, external_id, user_name, display_name, NULLIF(deleted_at, ''), updated_at FROM scim_users;
DROP TABLE scim_users;
ALTER TABLE scim_users_new RENAME TO scim_users;
CREATE INDEX scim_users_fase ON scim_users(fase);
