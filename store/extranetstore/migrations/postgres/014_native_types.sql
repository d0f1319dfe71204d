-- PostgreSQL's own types, where 001-013 kept SQLite's: instants become
-- timestamptz, the civil dates of persons and grants date, the one flag
-- boolean, and "none" (an empty string until now) NULL. What the rows hold
-- converts in place: store.TimeLayout text reads as a timestamptz, '' as
-- NULL. SQLite keeps its types (instants as store.TimeLayout text, dates as
-- store.DateLayout text, flags as 0/1) and turns its '' into NULL in its
-- migration 014.
--
-- Identifiers stay text: they are extranet.NewID strings that the
-- application makes (so that multi-row inserts need no RETURNING), not
-- numbers or UUIDs of the database's. rejections.birth_date stays text too:
-- a rejected entry keeps the birth date as the school sent it, valid or not.
--
-- outbox_unsent's condition reads the two columns that change: it is built
-- again on NULL.

ALTER TABLE schools
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE school_tokens
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN revoked_at DROP DEFAULT,
    ALTER COLUMN revoked_at DROP NOT NULL,
    ALTER COLUMN revoked_at TYPE timestamptz USING NULLIF(revoked_at, '')::timestamptz;

ALTER TABLE persons
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    ALTER COLUMN birth_date DROP DEFAULT,
    ALTER COLUMN birth_date DROP NOT NULL,
    ALTER COLUMN birth_date TYPE date USING NULLIF(birth_date, '')::date;

ALTER TABLE accounts
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    ALTER COLUMN activated_at DROP DEFAULT,
    ALTER COLUMN activated_at DROP NOT NULL,
    ALTER COLUMN activated_at TYPE timestamptz USING NULLIF(activated_at, '')::timestamptz,
    ALTER COLUMN disabled_at DROP DEFAULT,
    ALTER COLUMN disabled_at DROP NOT NULL,
    ALTER COLUMN disabled_at TYPE timestamptz USING NULLIF(disabled_at, '')::timestamptz;

ALTER TABLE grants
    ALTER COLUMN since TYPE timestamptz USING since::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    ALTER COLUMN pending_since DROP DEFAULT,
    ALTER COLUMN pending_since DROP NOT NULL,
    ALTER COLUMN pending_since TYPE timestamptz USING NULLIF(pending_since, '')::timestamptz,
    ALTER COLUMN sent_birth_date DROP DEFAULT,
    ALTER COLUMN sent_birth_date DROP NOT NULL,
    ALTER COLUMN sent_birth_date TYPE date USING NULLIF(sent_birth_date, '')::date;

ALTER TABLE rejections
    ALTER COLUMN first_seen TYPE timestamptz USING first_seen::timestamptz,
    ALTER COLUMN last_seen TYPE timestamptz USING last_seen::timestamptz,
    ALTER COLUMN resolved_at DROP DEFAULT,
    ALTER COLUMN resolved_at DROP NOT NULL,
    ALTER COLUMN resolved_at TYPE timestamptz USING NULLIF(resolved_at, '')::timestamptz;

ALTER TABLE idempotency
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE audit
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz;

DROP INDEX outbox_unsent;
ALTER TABLE outbox
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN sent_at DROP DEFAULT,
    ALTER COLUMN sent_at DROP NOT NULL,
    ALTER COLUMN sent_at TYPE timestamptz USING NULLIF(sent_at, '')::timestamptz,
    ALTER COLUMN failed_at DROP DEFAULT,
    ALTER COLUMN failed_at DROP NOT NULL,
    ALTER COLUMN failed_at TYPE timestamptz USING NULLIF(failed_at, '')::timestamptz;
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL AND failed_at IS NULL;

ALTER TABLE night_runs
    ALTER COLUMN started TYPE timestamptz USING started::timestamptz;

ALTER TABLE locks
    ALTER COLUMN expires_at DROP DEFAULT,
    ALTER COLUMN expires_at DROP NOT NULL,
    ALTER COLUMN expires_at TYPE timestamptz USING NULLIF(expires_at, '')::timestamptz;

ALTER TABLE sessions
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;

ALTER TABLE operators
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE signin_links
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz,
    ALTER COLUMN used_at DROP DEFAULT,
    ALTER COLUMN used_at DROP NOT NULL,
    ALTER COLUMN used_at TYPE timestamptz USING NULLIF(used_at, '')::timestamptz;

ALTER TABLE transfer_log
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz,
    ALTER COLUMN dismissed_at DROP DEFAULT,
    ALTER COLUMN dismissed_at DROP NOT NULL,
    ALTER COLUMN dismissed_at TYPE timestamptz USING NULLIF(dismissed_at, '')::timestamptz;

ALTER TABLE rejection_decisions
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz;

ALTER TABLE account_addresses
    ALTER COLUMN linked_at DROP DEFAULT,
    ALTER COLUMN linked_at DROP NOT NULL,
    ALTER COLUMN linked_at TYPE timestamptz USING NULLIF(linked_at, '')::timestamptz,
    ALTER COLUMN proven_at DROP DEFAULT,
    ALTER COLUMN proven_at DROP NOT NULL,
    ALTER COLUMN proven_at TYPE timestamptz USING NULLIF(proven_at, '')::timestamptz;

ALTER TABLE grant_notices
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz,
    ALTER COLUMN disputed_at DROP DEFAULT,
    ALTER COLUMN disputed_at DROP NOT NULL,
    ALTER COLUMN disputed_at TYPE timestamptz USING NULLIF(disputed_at, '')::timestamptz,
    ALTER COLUMN decided_at DROP DEFAULT,
    ALTER COLUMN decided_at DROP NOT NULL,
    ALTER COLUMN decided_at TYPE timestamptz USING NULLIF(decided_at, '')::timestamptz,
    ALTER COLUMN suspended DROP DEFAULT,
    ALTER COLUMN suspended TYPE boolean USING suspended <> 0,
    ALTER COLUMN suspended SET DEFAULT false;

ALTER TABLE identity_matches
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN reviewed_at DROP DEFAULT,
    ALTER COLUMN reviewed_at DROP NOT NULL,
    ALTER COLUMN reviewed_at TYPE timestamptz USING NULLIF(reviewed_at, '')::timestamptz;

ALTER TABLE school_years_sent
    ALTER COLUMN first_at TYPE timestamptz USING first_at::timestamptz;

ALTER TABLE space_items
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE scim_users
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz,
    ALTER COLUMN deleted_at DROP DEFAULT,
    ALTER COLUMN deleted_at DROP NOT NULL,
    ALTER COLUMN deleted_at TYPE timestamptz USING NULLIF(deleted_at, '')::timestamptz;

ALTER TABLE scim_confirmations
    ALTER COLUMN confirmed_at TYPE timestamptz USING confirmed_at::timestamptz;
