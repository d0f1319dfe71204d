-- The school years each school has sent: the first transfer of a school
-- year applied for a school. At the rentrée, the grants of the ended year
-- are carried over until the school's first transfer of the new year is
-- applied (or the network's grace deadline passes): the night run reads this
-- table to know which schools have sent the new year (docs/extranet.md, « La
-- rentrée »). Filled from the journal for the transfers applied before.
CREATE TABLE school_years_sent (
    fase         INTEGER NOT NULL,
    school_year  TEXT NOT NULL,
    first_at     TEXT NOT NULL,
    PRIMARY KEY (school_year, fase)
);
INSERT INTO school_years_sent (fase, school_year, first_at)
SELECT fase, school_year, MIN(at) FROM transfer_log WHERE outcome = 'applied' GROUP BY fase, school_year;
