-- Trust across schools (docs/security.md). Same conventions as 001 (until 014):
-- instants as TEXT in store.TimeLayout, '' for "none".

-- Addresses of an account: proven (a sign-in link sent there was followed)
-- and linked together from inside a portal session (« Relier l'accès d'une
-- autre école »): a session opened through one address of a circle reaches
-- the grants given to every address of it. An address in no row is a circle
-- of its own, not proven. Today's account addresses count as proven.
CREATE TABLE account_addresses (
    account_id  TEXT NOT NULL,
    email       TEXT NOT NULL,
    circle      TEXT NOT NULL,
    linked_at   TEXT NOT NULL DEFAULT '',
    proven_at   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, email)
);
CREATE INDEX account_addresses_circle ON account_addresses(account_id, circle);
INSERT INTO account_addresses (account_id, email, circle, proven_at)
SELECT id, email, id, updated_at FROM accounts WHERE email <> '';

-- The account's own grant: the one whose address is the account's address
-- and whose names are the person's. Only its school moves them; when it
-- ends, the night gives the account another live grant of the person.
ALTER TABLE accounts ADD COLUMN own_grant TEXT NOT NULL DEFAULT '';
UPDATE accounts SET own_grant = COALESCE((SELECT g.id FROM grants g
    WHERE g.person_id = accounts.person_id AND g.email = accounts.email AND g.state IN ('pending', 'active')
    ORDER BY g.created_at, g.id LIMIT 1), '');

-- What a sign-in link is for: 'signin', or 'link' (join email to
-- from_email, then sign in).
ALTER TABLE signin_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'signin';
ALTER TABLE signin_links ADD COLUMN from_email TEXT NOT NULL DEFAULT '';

-- The notices told to an account's address when a school opens an access
-- for its person at another address, with their « Ce n'est pas moi » link
-- (only its SHA-256 is kept, set when the notice is handed to the mail
-- server: the outbox never holds the token), valid 30 days. A disputed notice suspends its
-- grant's link to the account (suspended = 1) until an operator restores it.
CREATE TABLE grant_notices (
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
    disputed_at     TEXT NOT NULL DEFAULT '',
    suspended       INTEGER NOT NULL DEFAULT 0,
    decided_at      TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decision        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grant_notices_person ON grant_notices(person_id);
CREATE INDEX grant_notices_token ON grant_notices(token_hash);
CREATE INDEX grant_notices_disputed ON grant_notices(disputed_at);

-- A school's entry joined by names and birth date only to a person that
-- other schools give access to (« Rapprochements à vérifier »).
CREATE TABLE identity_matches (
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
    reviewed_at  TEXT NOT NULL DEFAULT '',
    reviewed_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identity_matches_open ON identity_matches(reviewed_at, created_at);
