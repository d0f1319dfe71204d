-- SCIM 2.0 (docs/scim.md). Same conventions as 001 (until 014): instants as TEXT in
-- store.TimeLayout, '' for "none".

-- What SCIM knows of a grant beyond the grant itself: the identity
-- provider's externalId, userName and displayName, and whether the grant was deleted through SCIM
-- (a DELETE deactivates the grant; while it stays deactivated, the
-- resource answers 404, as RFC 7644 §3.6 requires). A grant without a row
-- has no externalId and was never deleted.
CREATE TABLE scim_users (
    grant_id    TEXT PRIMARY KEY,
    fase        INTEGER NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    user_name   TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    deleted_at  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);
CREATE INDEX scim_users_fase ON scim_users(fase);


-- Operators' confirmations of a burst of SCIM deactivations (the guard):
-- for 24 hours, a school may deactivate up to max_count grants.
CREATE TABLE scim_confirmations (
    id           TEXT PRIMARY KEY,
    fase         INTEGER NOT NULL,
    max_count    INTEGER NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
CREATE INDEX scim_confirmations_fase ON scim_confirmations(fase, confirmed_at);
