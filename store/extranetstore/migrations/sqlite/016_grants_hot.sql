-- grants_pending, which every opening and modification of a grant had to
-- keep, has one reader: the night's list of pending persons, which reads
-- the table once a night instead (see the PostgreSQL migration).
DROP INDEX IF EXISTS grants_pending;
