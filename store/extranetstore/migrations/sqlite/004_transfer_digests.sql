-- What re-sending the last snapshot a school applied for a school year would
-- answer: the hash of that snapshot's body and the answer's entries (every entry
-- unchanged). A school that sends the same body again gets it without the
-- snapshot being reconciled again. Every write that could change that answer
-- deletes the row: a write of the school-year's grants, a new or changed
-- person (see store/extranetstore/digest.go).
CREATE TABLE transfer_digests (
    fase         INTEGER NOT NULL REFERENCES schools(fase),
    school_year  TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    unchanged    INTEGER NOT NULL,
    changes      TEXT NOT NULL,
    live_grants  INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (fase, school_year)
);
