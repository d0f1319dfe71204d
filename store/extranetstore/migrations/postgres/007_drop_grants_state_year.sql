-- grants(state, school_year) served only the night run's look-up of the
-- school years to expire, once a night, where reading the table costs a few
-- tens of milliseconds; every grant inserted by a transfer and every grant
-- the night opens (a new row version in every index, since the state is
-- indexed) paid for it (docs/benchmarks.md).
DROP INDEX IF EXISTS grants_state_year;
