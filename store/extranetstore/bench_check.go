package extranetstore

import (
	"context"
	"os"

	"passerelle/internal/errs"
	"passerelle/store"
)

// Invariants are counts over the whole extranet that the load generator's
// crash test (package bench) checks after a run: a crash must neither lose
// nor duplicate anything.
type Invariants struct {
	Schools int
	Persons int
	// DuplicatePersons counts the identity keys (folded names and birth
	// date) held by more than one person: one person recorded twice, since
	// the benchmark never generates two people with the same key.
	DuplicatePersons int
	// Grants by state, and those with a change waiting for the night run.
	GrantsPending, GrantsActive, GrantsDeactivated, GrantsWaiting int
	Accounts                                                      int
	// AccountsOpen counts the accounts not disabled.
	AccountsOpen int
	// PersonsActiveNoAccount counts persons with an active grant and no
	// account: a night run that opened a grant without its account.
	PersonsActiveNoAccount           int
	Outbox, OutboxSent, OutboxUnsent int
	// OutboxDuplicatePersons counts persons with more than one message to
	// one address, and OutboxDuplicateRecipients addresses with more than
	// one message, in the outbox.
	OutboxDuplicatePersons, OutboxDuplicateRecipients int
	// Orphans counts grants and accounts whose person or school does not
	// exist: what PostgreSQL's foreign keys on them, dropped for their
	// cost (migration 005), would have refused.
	Orphans int
}

// BenchInvariants counts what Invariants describes, one query a count: the
// benchmark runs it when nothing else writes.
func (s *Store) BenchInvariants(ctx context.Context) (_ Invariants, err error) {
	defer errs.Wrap(&err, "extranetstore: check bench invariants")
	var v Invariants
	q := s.db.Read()
	for _, c := range []struct {
		dest  *int
		query string
	}{
		{&v.Schools, `SELECT count(*) FROM schools`},
		{&v.Persons, `SELECT count(*) FROM persons`},
		{&v.DuplicatePersons, `SELECT count(*) FROM (SELECT identity_key FROM persons WHERE identity_key <> '' GROUP BY identity_key HAVING count(*) > 1) d`},
		{&v.GrantsPending, `SELECT count(*) FROM grants WHERE state = 'pending'`},
		{&v.GrantsActive, `SELECT count(*) FROM grants WHERE state = 'active'`},
		{&v.GrantsDeactivated, `SELECT count(*) FROM grants WHERE state = 'deactivated'`},
		{&v.GrantsWaiting, `SELECT count(*) FROM grants WHERE pending <> ''`},
		{&v.Accounts, `SELECT count(*) FROM accounts`},
		{&v.AccountsOpen, `SELECT count(*) FROM accounts WHERE state <> 'disabled'`},
		{&v.PersonsActiveNoAccount, `SELECT count(DISTINCT g.person_id) FROM grants g LEFT JOIN accounts a ON a.person_id = g.person_id WHERE g.state = 'active' AND a.id IS NULL`},
		{&v.Outbox, `SELECT count(*) FROM outbox`},
		{&v.OutboxSent, `SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL`},
		{&v.OutboxUnsent, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`},
		{&v.OutboxDuplicatePersons, `SELECT count(*) FROM (SELECT person_id FROM outbox GROUP BY person_id, recipient HAVING count(*) > 1) d`},
		{&v.OutboxDuplicateRecipients, `SELECT count(*) FROM (SELECT recipient FROM outbox GROUP BY recipient HAVING count(*) > 1) d`},
		{&v.Orphans, `SELECT (SELECT count(*) FROM grants g WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = g.person_id)
  OR NOT EXISTS (SELECT 1 FROM schools s WHERE s.fase = g.fase))
+ (SELECT count(*) FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = a.person_id))`},
	} {
		if err := q.QueryRow(ctx, c.query).Scan(c.dest); err != nil {
			return v, err
		}
	}
	return v, nil
}

// BenchSize returns the size of the database: pg_database_size on
// PostgreSQL, the file with its WAL and shared-memory index on SQLite.
func (s *Store) BenchSize(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "extranetstore: measure database size")
	if s.db.Dialect == store.Postgres {
		var n int64
		err := s.db.Read().QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	var total int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if st, err := os.Stat(s.db.Path + suffix); err == nil {
			total += st.Size()
		}
	}
	return total, nil
}
