-- The portal's tables (web/portal): one-time sign-in links, the journal of
-- transfers with their changes, and the operators' decisions on rejected
-- entries. Same conventions as 001 (until 014): instants as TEXT in store.TimeLayout, ''
-- for "none".

-- Only the SHA-256 of a link's token is stored.
CREATE TABLE signin_links (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signin_links_account ON signin_links(account_id);
CREATE INDEX signin_links_expires ON signin_links(expires_at);

-- One row per transfer applied or held (extranet.JournalTransfers). changes
-- is the JSON array of extranet.Change, without the unchanged people.
CREATE TABLE transfer_log (
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
    dismissed_at    TEXT NOT NULL DEFAULT '',
    dismissed_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfer_log_at ON transfer_log(at);
CREATE INDEX transfer_log_fase ON transfer_log(fase, at);

CREATE TABLE rejection_decisions (
    id            TEXT PRIMARY KEY,
    rejection_id  TEXT NOT NULL REFERENCES rejections(id),
    decision      TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX rejection_decisions_rejection ON rejection_decisions(rejection_id);
