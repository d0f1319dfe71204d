package extranetstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

func (x *tx) LiveSchoolYears(ctx context.Context) (_ []string, err error) {
	defer errs.Wrap(&err, "extranetstore: list live school years")
	var out []string
	rows, err := x.t.Query(ctx, `SELECT DISTINCT school_year FROM grants WHERE state IN ('pending', 'active') ORDER BY school_year`)
	err = collectStrings(rows, err, &out)
	return out, err
}

func (x *tx) ExpireGrants(ctx context.Context, years []string) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: expire grants of %d school years", len(years))
	total := 0
	err = chunks(x.d, years, func(part []string) error {
		cond, args := inList(x.d, "school_year", part)
		res, err := x.t.Exec(ctx, `UPDATE grants SET `+deactivateSet+` WHERE state IN ('pending', 'active') AND `+cond,
			append([]any{extranet.EndExpired, x.now(), x.now()}, args...)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		total += int(n)
		return err
	})
	return total, err
}

// PendingPersons implements extranet.Store. The persons are streamed: the
// night keeps their IDs only, not 75,000 persons at once.
func (s *Store) PendingPersons(ctx context.Context, upTo string, fn func(p *extranet.Person)) (err error) {
	defer errs.Wrap(&err, "extranetstore: list pending persons")
	// School years written "YYYY-YYYY" sort as text.
	rows, err := s.db.Read().Query(ctx, `SELECT p.id, p.last_name, p.first_name, p.birth_date, COALESCE(p.matricule, '')
FROM persons p WHERE p.id IN (SELECT person_id FROM grants WHERE pending <> '' AND school_year <= ?) ORDER BY p.id`, upTo)
	var p extranet.Person
	return collect(rows, err, func(r *sql.Rows) error {
		if err := r.Scan(&p.ID, &p.LastName, &p.FirstName, store.ScanDateText(&p.BirthDate), &p.Matricule); err != nil {
			return err
		}
		fn(&p)
		return nil
	})
}

// pendingGrantsSelect reads waiting grants (g, as named in FROM) with
// their persons, school names and accounts.
const pendingGrantsSelect = `SELECT ` + grantCols + `, ` + personCols + `, s.name,
COALESCE(a.id, ''), COALESCE(a.person_id, ''), COALESCE(a.login, ''), COALESCE(a.login_base, ''), COALESCE(a.email, ''),
COALESCE(a.state, ''), COALESCE(a.password_hash, ''), a.created_at, a.updated_at,
a.activated_at, a.disabled_at, COALESCE(a.disabled_by, ''), COALESCE(a.own_grant, '')
FROM `

const pendingGrantsJoin = `
JOIN persons p ON p.id = g.person_id
JOIN schools s ON s.fase = g.fase
LEFT JOIN accounts a ON a.person_id = g.person_id`

// grantColumnList is every column of grants that grantCols reads, in its
// order, unqualified.
const grantColumnList = `id, person_id, fase, school_year, role, email, last_name, first_name, state, since,
pending, pending_role, pending_email, pending_last_name, pending_first_name, pending_since, end_reason, created_at, updated_at`

// OpenPendingGrants implements extranet.Tx. On PostgreSQL it is one
// statement: an UPDATE … RETURNING opens the created grants, locking each
// row as it writes it (a SELECT … FOR UPDATE then an UPDATE wrote every
// grant twice: its lock, then its new version), a SELECT … FOR UPDATE locks
// the other waiting grants (modifications), and the main query joins both to
// their persons, schools and accounts. On SQLite, whose single writer is
// the lock, the read then the UPDATE, in chunks.
func (x *tx) OpenPendingGrants(ctx context.Context, personIDs []string, upTo string) (_ []extranet.PendingGrant, err error) {
	defer errs.Wrap(&err, "extranetstore: open pending grants of %d persons", len(personIDs))
	var out []extranet.PendingGrant
	scan := func(r *sql.Rows) error {
		var pg extranet.PendingGrant
		var a extranet.Account
		dest := append(grantDest(&pg.Grant), personDest(&pg.Person)...)
		dest = append(dest, &pg.SchoolName)
		dest = append(dest, accountDest(&a)...)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		if a.ID != "" {
			pg.Account = &a
		}
		out = append(out, pg)
		return nil
	}
	// School years written "YYYY-YYYY" sort as text: a school that prepares
	// the rentrée sends the next year's staff before it begins, and their
	// accesses open with it, the first night after the ended year's last day.
	if x.pg() {
		if len(personIDs) == 0 {
			return nil, nil
		}
		rows, err := x.t.Query(ctx, `WITH opened AS (
  UPDATE grants SET state = 'active', pending = '', since = ?, updated_at = ?
  WHERE person_id = ANY(?) AND pending = 'created' AND state = 'pending' AND school_year <= ?
  RETURNING id, person_id, fase, school_year, role, email, last_name, first_name, 'pending'::text AS state, since,
    'created'::text AS pending, pending_role, pending_email, pending_last_name, pending_first_name, pending_since,
    end_reason, created_at, updated_at),
waiting AS (
  SELECT `+grantColumnList+` FROM grants
  WHERE person_id = ANY(?) AND pending <> '' AND NOT (pending = 'created' AND state = 'pending') AND school_year <= ?
  FOR UPDATE)
`+pendingGrantsSelect+`(SELECT * FROM opened UNION ALL SELECT * FROM waiting) g`+pendingGrantsJoin+`
ORDER BY g.person_id, g.fase, g.school_year`, x.now(), x.now(), personIDs, upTo, personIDs, upTo)
		return out, collect(rows, err, scan)
	}
	err = chunks(x.d, personIDs, func(part []string) error {
		cond, args := inList(x.d, "g.person_id", part)
		rows, err := x.t.Query(ctx, pendingGrantsSelect+`grants g`+pendingGrantsJoin+`
WHERE `+cond+` AND g.pending <> '' AND g.school_year <= ?
ORDER BY g.person_id, g.fase, g.school_year`, append(args, upTo)...)
		if err := collect(rows, err, scan); err != nil {
			return err
		}
		cond, args = inList(x.d, "person_id", part)
		_, err = x.t.Exec(ctx, `UPDATE grants SET state = 'active', pending = '', since = ?, updated_at = ?
WHERE pending = 'created' AND state = 'pending' AND school_year <= ? AND `+cond,
			append([]any{x.now(), x.now(), upTo}, args...)...)
		return err
	})
	return out, err
}

func (x *tx) TakenLogins(ctx context.Context, bases []string) (_ []string, err error) {
	defer errs.Wrap(&err, "extranetstore: read logins taken for %d bases", len(bases))
	var out []string
	err = chunks(x.d, bases, func(part []string) error {
		cond, args := inList(x.d, "login_base", part)
		rows, err := x.t.Query(ctx, `SELECT login FROM accounts WHERE `+cond, args...)
		return collectStrings(rows, err, &out)
	})
	return out, err
}

var accountColumns = []column{
	{"id", colText}, {"person_id", colText}, {"login", colText}, {"login_base", colText}, {"email", colText},
	{"state", colText}, {"password_hash", colText}, {"created_at", colTime}, {"updated_at", colTime},
	{"activated_at", colTime}, {"disabled_at", colTime}, {"disabled_by", colText}, {"own_grant", colText},
}

func (x *tx) InsertAccounts(ctx context.Context, as []extranet.Account) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert %d accounts", len(as))
	rows := make([][]any, len(as))
	for i, a := range as {
		rows[i] = []any{a.ID, a.PersonID, a.Login, a.LoginBase, a.Email, a.State, a.PasswordHash,
			a.CreatedAt, a.UpdatedAt, a.ActivatedAt, a.DisabledAt, a.DisabledBy, a.OwnGrantID}
	}
	x.inserted[tableAccounts] += int64(len(rows))
	return insertRows(ctx, x.t, "accounts", accountColumns, rows, "")
}

func (x *tx) UpdateAccounts(ctx context.Context, as []extranet.Account) (err error) {
	defer errs.Wrap(&err, "extranetstore: update %d accounts", len(as))
	rows := make([][]any, len(as))
	for i, a := range as {
		rows[i] = []any{a.ID, a.Email, a.State, a.DisabledAt, a.DisabledBy, a.OwnGrantID, x.now()}
	}
	return updateRows(ctx, x.t, "accounts", accountUpdateColumns, rows)
}

// accountUpdateColumns are the columns UpdateAccounts writes, the key first.
var accountUpdateColumns = []column{
	{"id", colText}, {"email", colText}, {"state", colText}, {"disabled_at", colTime},
	{"disabled_by", colText}, {"own_grant", colText}, {"updated_at", colTime},
}

func (x *tx) ApplyModifications(ctx context.Context, ids []string) (err error) {
	defer errs.Wrap(&err, "extranetstore: apply %d modifications", len(ids))
	// The right-hand sides read the row as it was before the update, on
	// both engines.
	return chunks(x.d, ids, func(part []string) error {
		cond, args := inList(x.d, "id", part)
		_, err := x.t.Exec(ctx, `UPDATE grants SET role = pending_role, email = pending_email, last_name = pending_last_name,
first_name = pending_first_name, pending = '', pending_role = '', pending_email = '', pending_last_name = '',
pending_first_name = '', pending_since = NULL, updated_at = ? WHERE pending = 'modified' AND `+cond,
			append([]any{x.now()}, args...)...)
		return err
	})
}

func (x *tx) DisableOrphanAccounts(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: disable orphan accounts")
	res, err := x.t.Exec(ctx, `UPDATE accounts SET state = 'disabled', disabled_at = ?, updated_at = ?
WHERE state <> 'disabled' AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.person_id = accounts.person_id AND g.state = 'active')`,
		x.now(), x.now())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

var outboxColumns = []column{
	{"id", colText}, {"kind", colText}, {"person_id", colText}, {"night_id", colText}, {"sender", colText},
	{"recipient", colText}, {"subject", colText}, {"body", colText}, {"created_at", colTime},
}

func (x *tx) Enqueue(ctx context.Context, ms []extranet.OutboxMessage) (err error) {
	defer errs.Wrap(&err, "extranetstore: enqueue %d messages", len(ms))
	rows := make([][]any, len(ms))
	for i, m := range ms {
		rows[i] = []any{m.ID, m.Kind, m.PersonID, m.NightID, m.From, m.To, m.Subject, m.Text, m.CreatedAt}
	}
	return insertRows(ctx, x.t, "outbox", outboxColumns, rows, "")
}

const outboxCols = "id, kind, person_id, night_id, sender, recipient, subject, body, created_at, sent_at, failed_at, attempts, last_error"

func scanOutbox(rows *sql.Rows, err error) ([]extranet.OutboxMessage, error) {
	var out []extranet.OutboxMessage
	err = collect(rows, err, func(r *sql.Rows) error {
		var m extranet.OutboxMessage
		if err := r.Scan(&m.ID, &m.Kind, &m.PersonID, &m.NightID, &m.From, &m.To, &m.Subject, &m.Text,
			store.ScanTime(&m.CreatedAt), store.ScanTime(&m.SentAt), store.ScanTime(&m.FailedAt), &m.Attempts, &m.LastError); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// Outbox implements extranet.Store.
func (s *Store) Outbox(ctx context.Context, f extranet.OutboxFilter) (_ []extranet.OutboxMessage, err error) {
	defer errs.Wrap(&err, "extranetstore: read outbox")
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE 1 = 1`
	var args []any
	if f.Unsent {
		q += ` AND sent_at IS NULL AND failed_at IS NULL`
	}
	if f.PersonID != "" {
		q += ` AND person_id = ?`
		args = append(args, f.PersonID)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := s.db.Read().Query(ctx, q, args...)
	return scanOutbox(rows, err)
}

// UnsentAfter implements extranet.Store.
func (s *Store) UnsentAfter(ctx context.Context, afterID string, n int) (_ []extranet.OutboxMessage, err error) {
	defer errs.Wrap(&err, "extranetstore: read %d unsent messages", n)
	// The writer pool: a message marked sent a moment ago must not be read
	// as unsent from a reader that lags behind.
	rows, err := s.db.Write().Query(ctx, `SELECT `+outboxCols+` FROM outbox
WHERE sent_at IS NULL AND failed_at IS NULL AND id > ? ORDER BY id LIMIT ?`, afterID, n)
	return scanOutbox(rows, err)
}

// MarkSent implements extranet.Store.
func (s *Store) MarkSent(ctx context.Context, id string, at time.Time) (err error) {
	defer errs.Wrap(&err, "extranetstore: mark message %s sent", id)
	_, err = s.db.Write().Exec(ctx, `UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND sent_at IS NULL`, at, id)
	return err
}

// MarkAttempt implements extranet.Store.
func (s *Store) MarkAttempt(ctx context.Context, id string, at time.Time, errText string, permanent bool) (err error) {
	defer errs.Wrap(&err, "extranetstore: record attempt of message %s", id)
	var failed time.Time
	if permanent {
		failed = at
	}
	_, err = s.db.Write().Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ? AND sent_at IS NULL`,
		errText, failed, id)
	return err
}

// SaveNightReport implements extranet.Store.
func (s *Store) SaveNightReport(ctx context.Context, r extranet.NightReport) (err error) {
	defer errs.Wrap(&err, "extranetstore: save night report")
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = s.db.Write().Exec(ctx, `INSERT INTO night_runs (id, started, report) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET report = excluded.report`, r.ID, r.Started, string(body))
	return err
}

// NightReports implements extranet.Store.
func (s *Store) NightReports(ctx context.Context, n int) (_ []extranet.NightReport, err error) {
	defer errs.Wrap(&err, "extranetstore: read %d night reports", n)
	var out []extranet.NightReport
	rows, err := s.db.Read().Query(ctx, `SELECT report FROM night_runs ORDER BY started DESC, id DESC LIMIT ?`, limit(n))
	err = collect(rows, err, func(r *sql.Rows) error {
		var body string
		if err := r.Scan(&body); err != nil {
			return err
		}
		var rep extranet.NightReport
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			return fmt.Errorf("rapport de nuit illisible : %w", err)
		}
		out = append(out, rep)
		return nil
	})
	return out, err
}

// Night-run lock.

// nightLockKey is the PostgreSQL advisory lock of the night run; advisory
// locks are per database, so it differs from the migration lock's.
const nightLockKey = 7215002

// leaseTTL is how long the SQLite lease lasts without renewal: the time
// after which a crashed run no longer blocks the next one.
const leaseTTL = 10 * time.Minute

// LockNight implements extranet.Store. On PostgreSQL it holds a session
// advisory lock on a dedicated connection: the server releases it if the
// process dies. On SQLite, a lease row in the locks table, renewed while
// held and expiring leaseTTL after a crash.
func (s *Store) LockNight(ctx context.Context) (_ func(), err error) {
	defer errs.Wrap(&err, "extranetstore: lock night run")
	if s.db.Dialect == store.Postgres {
		// Outside the pool: the run's transactions need the pool's
		// connections, all of them when it holds one (pool_max_conns=1).
		one, conn, err := s.db.Dedicated(ctx)
		if err != nil {
			return nil, err
		}
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, nightLockKey).Scan(&ok); err != nil {
			conn.Close()
			one.Close()
			return nil, err
		}
		if !ok {
			conn.Close()
			one.Close()
			return nil, extranet.ErrNightRunning
		}
		var once sync.Once
		return func() {
			once.Do(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, nightLockKey)
				conn.Close()
				one.Close()
			})
		}, nil
	}

	holder := extranet.NewID()
	// The lease uses the wall clock, not the run's --at clock: it is about
	// whether a process is alive now.
	now := time.Now()
	res, err := s.db.Write().Exec(ctx, `UPDATE locks SET holder = ?, expires_at = ? WHERE name = 'night' AND (holder = '' OR expires_at < ?)`,
		holder, now.Add(leaseTTL), now)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, extranet.ErrNightRunning
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.db.Write().Exec(context.Background(), `UPDATE locks SET expires_at = ? WHERE name = 'night' AND holder = ?`, time.Now().Add(leaseTTL), holder)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			s.db.Write().Exec(context.Background(), `UPDATE locks SET holder = '', expires_at = NULL WHERE name = 'night' AND holder = ?`, holder)
		})
	}, nil
}

func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
