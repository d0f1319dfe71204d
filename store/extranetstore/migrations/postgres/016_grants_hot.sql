-- The night opens a grant by writing its state, pending, since and
-- updated_at. PostgreSQL writes such a row's new version without touching
-- the table's indexes (a heap-only tuple) when no indexed column changes
-- and the row's page has room for it. grants_pending indexed pending: every
-- opening wrote a new entry in each of the six indexes. Its one reader, the
-- night's list of pending persons, reads the table once a night instead
-- (tens of milliseconds at network scale), and pages filled to 70 % leave
-- room for the new versions (docs/benchmarks.md, « Issue 14: openings
-- without index writes »).
DROP INDEX IF EXISTS grants_pending;
ALTER TABLE grants SET (fillfactor = 70);
