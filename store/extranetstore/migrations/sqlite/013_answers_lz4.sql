-- PostgreSQL compresses the transfers' answers with lz4 from here; SQLite
-- does not compress them: nothing to change.
SELECT 1;
