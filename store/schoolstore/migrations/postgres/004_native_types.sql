-- PostgreSQL's own types, where 001-003 kept SQLite's: instants become
-- timestamptz, civil dates date, flags boolean, and "none" (an empty string
-- until now) NULL. SQLite keeps instants and dates as text (store.TimeLayout,
-- store.DateLayout) and flags as 0/1; its migration 004 turns its empty
-- strings into NULL too. Identifiers (members, situations, transfers, users)
-- are already integers.
ALTER TABLE members
    ALTER COLUMN birth_date DROP DEFAULT,
    ALTER COLUMN birth_date DROP NOT NULL,
    ALTER COLUMN birth_date TYPE date USING NULLIF(birth_date, '')::date;

ALTER TABLE situations
    ALTER COLUMN start_date DROP DEFAULT,
    ALTER COLUMN start_date DROP NOT NULL,
    ALTER COLUMN start_date TYPE date USING NULLIF(start_date, '')::date,
    ALTER COLUMN end_date DROP DEFAULT,
    ALTER COLUMN end_date DROP NOT NULL,
    ALTER COLUMN end_date TYPE date USING NULLIF(end_date, '')::date,
    ALTER COLUMN present DROP DEFAULT,
    ALTER COLUMN present TYPE boolean USING present <> 0,
    ALTER COLUMN present SET DEFAULT false,
    ALTER COLUMN active DROP DEFAULT,
    ALTER COLUMN active TYPE boolean USING active <> 0,
    ALTER COLUMN active SET DEFAULT false,
    ALTER COLUMN promotion DROP DEFAULT,
    ALTER COLUMN promotion TYPE boolean USING promotion <> 0,
    ALTER COLUMN promotion SET DEFAULT false;

ALTER TABLE settings
    ALTER COLUMN auto DROP DEFAULT,
    ALTER COLUMN auto TYPE boolean USING auto <> 0,
    ALTER COLUMN auto SET DEFAULT false,
    ALTER COLUMN auto_consent_at DROP DEFAULT,
    ALTER COLUMN auto_consent_at DROP NOT NULL,
    ALTER COLUMN auto_consent_at TYPE timestamptz USING NULLIF(auto_consent_at, '')::timestamptz;

ALTER TABLE transfers
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz,
    ALTER COLUMN dry_run DROP DEFAULT,
    ALTER COLUMN dry_run TYPE boolean USING dry_run <> 0,
    ALTER COLUMN dry_run SET DEFAULT false,
    ALTER COLUMN seen_at DROP DEFAULT,
    ALTER COLUMN seen_at DROP NOT NULL,
    ALTER COLUMN seen_at TYPE timestamptz USING NULLIF(seen_at, '')::timestamptz;

ALTER TABLE users
    ALTER COLUMN direction DROP DEFAULT,
    ALTER COLUMN direction TYPE boolean USING direction <> 0,
    ALTER COLUMN direction SET DEFAULT false,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE user_prefs
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE sessions
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;
