-- The idempotency answer of a transfer (12 kB of JSON for 70 staff) and the
-- journal's changes are compressed with lz4 rather than pglz: pglz took some
-- 100 µs of the database's CPU per transfer for these 12 kB, lz4 about 15
-- (docs/benchmarks.md). A server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE idempotency ALTER COLUMN result SET COMPRESSION lz4;
  ALTER TABLE transfer_log ALTER COLUMN changes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
