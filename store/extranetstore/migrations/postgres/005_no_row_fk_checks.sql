-- The foreign keys of grants and accounts cost one query per inserted row
-- (PostgreSQL checks each row with a locking look-up of the parent): 84,000
-- grants and 75,600 accounts at network scale, a third of the database's
-- time in the September rush's first transfers and 15 % of the night run's
-- (docs/benchmarks.md). Persons and schools are never deleted, and a grant
-- or an account is only ever written for a person read or inserted in the
-- same transaction, of a school whose row that transaction has locked; the
-- benchmark's checks verify that no grant or account lost its person or
-- school. The other foreign keys, one row per transfer, stay.
ALTER TABLE grants DROP CONSTRAINT IF EXISTS grants_person_id_fkey;
ALTER TABLE grants DROP CONSTRAINT IF EXISTS grants_fase_fkey;
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_person_id_fkey;
