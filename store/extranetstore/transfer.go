package extranetstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

func (x *tx) LockSchool(ctx context.Context, fase int) (_ extranet.School, err error) {
	defer errs.Wrap(&err, "extranetstore: lock school %d", fase)
	var sc extranet.School
	err = x.t.QueryRow(ctx, `SELECT fase, name, created_at, updated_at FROM schools WHERE fase = ?`+
		forUpdate(x.d, "FOR NO KEY UPDATE"), fase).
		Scan(&sc.FASE, &sc.Name, store.ScanTime(&sc.CreatedAt), store.ScanTime(&sc.UpdatedAt))
	if err != nil {
		return sc, notFound(err, fmt.Sprintf("FASE %d", fase), extranet.ErrUnknownSchool)
	}
	return sc, nil
}

// LockSchoolAnswer implements extranet.Tx.
func (x *tx) LockSchoolAnswer(ctx context.Context, fase int, key string) (_ extranet.School, _ extranet.Idempotency, _ bool, err error) {
	defer errs.Wrap(&err, "extranetstore: lock school %d and its answer", fase)
	var sc extranet.School
	rec := extranet.Idempotency{Key: key}
	var hash, result sql.NullString
	err = x.t.QueryRow(ctx, `SELECT s.fase, s.name, s.created_at, s.updated_at, i.body_hash, i.result, i.created_at
FROM schools s LEFT JOIN idempotency i ON i.fase = s.fase AND i.idem_key = ? AND ? <> ''
WHERE s.fase = ?`+forUpdate(x.d, "FOR NO KEY UPDATE OF s"), key, key, fase).
		Scan(&sc.FASE, &sc.Name, store.ScanTime(&sc.CreatedAt), store.ScanTime(&sc.UpdatedAt), &hash, &result, store.ScanTime(&rec.CreatedAt))
	if err != nil {
		return sc, rec, false, notFound(err, fmt.Sprintf("FASE %d", fase), extranet.ErrUnknownSchool)
	}
	if !hash.Valid {
		return sc, rec, false, nil
	}
	rec.BodyHash = hash.String
	if err := json.Unmarshal([]byte(result.String), &rec.Result); err != nil {
		return sc, rec, false, fmt.Errorf("réponse enregistrée illisible pour la clé %q : %w", key, err)
	}
	return sc, rec, true, nil
}

func (x *tx) InsertSchool(ctx context.Context, sc extranet.School) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert school %d", sc.FASE)
	res, err := x.t.Exec(ctx, `INSERT INTO schools (fase, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (fase) DO NOTHING`,
		sc.FASE, sc.Name, sc.CreatedAt, sc.UpdatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("FASE %d : %w", sc.FASE, extranet.ErrSchoolExists)
	}
	return nil
}

func (x *tx) InsertToken(ctx context.Context, fase int, hash, actor string) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert token of school %d", fase)
	_, err = x.t.Exec(ctx, `INSERT INTO school_tokens (token_hash, fase, created_at, created_by) VALUES (?, ?, ?, ?)`,
		hash, fase, x.now(), actor)
	return err
}

func (x *tx) RevokeTokens(ctx context.Context, fase int) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: revoke tokens of school %d", fase)
	res, err := x.t.Exec(ctx, `UPDATE school_tokens SET revoked_at = ? WHERE fase = ? AND revoked_at IS NULL`, x.now(), fase)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (x *tx) Idempotency(ctx context.Context, fase int, key string) (_ extranet.Idempotency, _ bool, err error) {
	defer errs.Wrap(&err, "extranetstore: read idempotency key of school %d", fase)
	rec := extranet.Idempotency{Key: key}
	var result string
	err = x.t.QueryRow(ctx, `SELECT body_hash, result, created_at FROM idempotency WHERE fase = ? AND idem_key = ?`, fase, key).
		Scan(&rec.BodyHash, &result, store.ScanTime(&rec.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal([]byte(result), &rec.Result); err != nil {
		return rec, false, fmt.Errorf("réponse enregistrée illisible pour la clé %q : %w", key, err)
	}
	return rec, true, nil
}

func (x *tx) SaveIdempotency(ctx context.Context, fase int, rec extranet.Idempotency) (err error) {
	defer errs.Wrap(&err, "extranetstore: save idempotency key of school %d", fase)
	query, args, err := idempotencyInsert(fase, rec)
	return queryExec(ctx, x.t, query, args, err)
}

func (x *tx) PurgeIdempotency(ctx context.Context, before time.Time) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: purge idempotency keys")
	res, err := x.t.Exec(ctx, `DELETE FROM idempotency WHERE created_at < ?`, before)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// yearGrantsQuery reads a school-year's grants with persons and logins, and
// the identity the school sent for each grant (sentIdentityCols), which only
// the transfer and the school's view of its staff need.
const yearGrantsQuery = `SELECT ` + grantCols + `, ` + sentIdentityCols + `, ` + personCols + `, COALESCE(a.login, '')
FROM grants g
JOIN persons p ON p.id = g.person_id
LEFT JOIN accounts a ON a.person_id = g.person_id
WHERE g.fase = ? AND g.school_year = ?`

// lockYearGrantsQuery is yearGrantsQuery without the logins, which no
// writer reads: a join less to plan and run at each transfer, which reads
// its school's grants twice at the rentrée (GrantTx.LockYearGrants).
const lockYearGrantsQuery = lockGrantsSelect + `WHERE g.fase = ? AND g.school_year = ?`

// lockEndedYearGrantsQuery is lockYearGrantsQuery for a school year that
// has ended, the rentrée's read of the year before: the same rows, by
// another statement, so that PostgreSQL keeps the plans of each apart. A
// prepared statement's plan is made anew at each call while the average
// cost of the plans made for its calls' values stays below the cost of
// one plan for all; the year before, of no or few rows at most schools,
// has cheap plans, and when both reads shared one statement they held that
// average down for the current year too: every re-sync planned its read
// again (docs/benchmarks.md, « The year before, a statement of its own »).
const lockEndedYearGrantsQuery = lockGrantsSelect + `WHERE g.school_year = ? AND g.fase = ?`

const lockGrantsSelect = `SELECT ` + grantCols + `, ` + sentIdentityCols + `, ` + personCols + `, ''
FROM grants g
JOIN persons p ON p.id = g.person_id
`

// sentIdentityCols are Grant.SentBirthDate and Grant.SentMatricule.
const sentIdentityCols = "g.sent_birth_date, g.sent_matricule"

func scanGrantRecords(rows *sql.Rows, err error) ([]extranet.GrantRecord, error) {
	var out []extranet.GrantRecord
	err = collect(rows, err, func(r *sql.Rows) error {
		var rec extranet.GrantRecord
		dest := append(grantDest(&rec.Grant), store.ScanDateText(&rec.Grant.SentBirthDate), &rec.Grant.SentMatricule)
		dest = append(dest, personDest(&rec.Person)...)
		if err := r.Scan(append(dest, &rec.Login)...); err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

func (x *tx) LockYearGrants(ctx context.Context, fase int, year string) (_ []extranet.GrantRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: lock grants of school %d for %s", fase, year)
	// Locking the grants makes a night-run batch that opens one of them
	// wait for this transfer, or this transfer wait for the batch and then
	// read what it wrote: neither works from a stale row.
	query, args := lockYearGrantsQuery, []any{fase, year}
	if year < extranet.CurrentSchoolYear(x.now()) { // "YYYY-YYYY" sorts as text
		query, args = lockEndedYearGrantsQuery, []any{year, fase}
	}
	rows, err := x.t.Query(ctx, query+forUpdate(x.d, "FOR UPDATE OF g"), args...)
	return scanGrantRecords(rows, err)
}

// YearGrants implements extranet.Store.
func (s *Store) YearGrants(ctx context.Context, fase int, year string) (_ []extranet.GrantRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: read grants of school %d for %s", fase, year)
	rows, err := s.db.Read().Query(ctx, yearGrantsQuery, fase, year)
	return scanGrantRecords(rows, err)
}

// FindPersons implements extranet.Tx. On PostgreSQL, the matricules and
// keys it does not find are locked until the end of the transaction and
// looked up again (see awaitNewPersons).
func (x *tx) FindPersons(ctx context.Context, matricules, keys []string) (_ []extranet.Person, err error) {
	defer errs.Wrap(&err, "extranetstore: find persons")
	found, err := x.findPersons(ctx, matricules, keys)
	if err != nil || !x.pg() {
		return found, err
	}
	return x.awaitNewPersons(ctx, matricules, keys, found)
}

func (x *tx) findPersons(ctx context.Context, matricules, keys []string) ([]extranet.Person, error) {
	var out []extranet.Person
	seen := map[string]bool{}
	scan := func(r *sql.Rows) error {
		var p extranet.Person
		if err := r.Scan(personDest(&p)...); err != nil {
			return err
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
		return nil
	}
	if x.pg() && len(matricules) > 0 && len(keys) > 0 {
		// Both lookups in one round trip.
		rows, err := x.t.Query(ctx, `SELECT `+personCols+` FROM persons p WHERE p.matricule = ANY(?)
UNION SELECT `+personCols+` FROM persons p WHERE p.identity_key = ANY(?)`, matricules, keys)
		return out, collect(rows, err, scan)
	}
	for _, l := range []struct {
		col  string
		vals []string
	}{{"p.matricule", matricules}, {"p.identity_key", keys}} {
		err := chunks(x.d, l.vals, func(part []string) error {
			cond, args := inList(x.d, l.col, part)
			rows, err := x.t.Query(ctx, `SELECT `+personCols+` FROM persons p WHERE `+cond, args...)
			return collect(rows, err, scan)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindCandidates implements extranet.Tx. On PostgreSQL the persons and the
// holders are one statement (a UNION ALL of both, told apart by its first
// column), then the matricules and keys it did not find are locked and
// looked up again (awaitNewPersons); the holders need no second look: the
// addresses a transfer gives anew are locked before (LockEmails).
func (x *tx) FindCandidates(ctx context.Context, matricules, keys, emails []string, fase int, year string) (_ []extranet.Person, _ []extranet.EmailHolder, err error) {
	defer errs.Wrap(&err, "extranetstore: find candidates for school %d", fase)
	if !x.pg() {
		persons, err := x.FindPersons(ctx, matricules, keys)
		if err != nil {
			return nil, nil, err
		}
		holders, err := x.EmailHolders(ctx, emails, fase, year)
		return persons, holders, err
	}
	var persons []extranet.Person
	var holders []extranet.EmailHolder
	seen := map[string]bool{}
	rows, err := x.t.Query(ctx, `SELECT 'p', `+personCols+` FROM persons p WHERE p.matricule = ANY(?::text[])
UNION SELECT 'p', `+personCols+` FROM persons p WHERE p.identity_key = ANY(?::text[])
UNION ALL (SELECT 'h', email, person_id, '', NULL::date, '', '', NULL::timestamptz, NULL::timestamptz FROM accounts WHERE email = ANY(?::text[]) AND state <> 'disabled'
UNION SELECT 'h', email, person_id, '', NULL::date, '', '', NULL::timestamptz, NULL::timestamptz FROM grants WHERE email = ANY(?::text[]) AND state IN ('pending', 'active')
  AND NOT (fase = ? AND school_year = ?)
UNION SELECT 'h', pending_email, person_id, '', NULL::date, '', '', NULL::timestamptz, NULL::timestamptz FROM grants WHERE pending_email = ANY(?::text[])
  AND pending_email <> '' AND pending = 'modified' AND NOT (fase = ? AND school_year = ?))`,
		nonNil(matricules), nonNil(keys), nonNil(emails), nonNil(emails), fase, year, nonNil(emails), fase, year)
	err = collect(rows, err, func(r *sql.Rows) error {
		var kind string
		var p extranet.Person
		if err := r.Scan(append([]any{&kind, &p.ID, &p.LastName, &p.FirstName, store.ScanDateText(&p.BirthDate), &p.Matricule, &p.IdentityKey},
			store.ScanTime(&p.CreatedAt), store.ScanTime(&p.UpdatedAt))...); err != nil {
			return err
		}
		if kind == "h" {
			// The holder's address and person, in the first two columns.
			holders = append(holders, extranet.EmailHolder{Email: p.ID, PersonID: p.LastName})
		} else if !seen[p.ID] {
			seen[p.ID] = true
			persons = append(persons, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	persons, err = x.awaitNewPersons(ctx, matricules, keys, persons)
	return persons, holders, err
}

// nonNil is vals, or an empty list for none: an array, never NULL.
func nonNil(vals []string) []string {
	if vals == nil {
		return []string{}
	}
	return vals
}

// EmailHolders implements extranet.Tx. The redundant condition that
// pending_email is not empty lets SQLite use the partial index on
// pending_email, which it cannot infer from the IN list: without it, every
// transfer read the whole grants table.
func (x *tx) EmailHolders(ctx context.Context, emails []string, fase int, year string) (_ []extranet.EmailHolder, err error) {
	defer errs.Wrap(&err, "extranetstore: find holders of %d addresses", len(emails))
	var out []extranet.EmailHolder
	err = chunks(x.d, emails, func(part []string) error {
		a, aargs := inList(x.d, "email", part)
		g, gargs := inList(x.d, "email", part)
		pe, peargs := inList(x.d, "pending_email", part)
		args := append([]any{}, aargs...)
		args = append(args, gargs...)
		args = append(args, fase, year)
		args = append(args, peargs...)
		args = append(args, fase, year)
		rows, err := x.t.Query(ctx, `SELECT email, person_id FROM accounts WHERE `+a+` AND state <> 'disabled'
UNION SELECT email, person_id FROM grants WHERE `+g+` AND state IN ('pending', 'active') AND NOT (fase = ? AND school_year = ?)
UNION SELECT pending_email, person_id FROM grants WHERE `+pe+` AND pending_email <> '' AND pending = 'modified' AND NOT (fase = ? AND school_year = ?)`, args...)
		return collect(rows, err, func(r *sql.Rows) error {
			var h extranet.EmailHolder
			if err := r.Scan(&h.Email, &h.PersonID); err != nil {
				return err
			}
			out = append(out, h)
			return nil
		})
	})
	return out, err
}

var personColumns = []column{
	{"id", colText}, {"last_name", colText}, {"first_name", colText}, {"birth_date", colDate},
	{"matricule", colNullText}, {"identity_key", colText}, {"created_at", colTime}, {"updated_at", colTime},
}

func (x *tx) InsertPersons(ctx context.Context, ps []extranet.Person) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert %d persons", len(ps))
	rows := make([][]any, len(ps))
	for i, p := range ps {
		rows[i] = []any{p.ID, p.LastName, p.FirstName, p.BirthDate, p.Matricule, p.IdentityKey, p.CreatedAt, p.UpdatedAt}
	}
	x.inserted[tablePersons] += int64(len(rows))
	return insertRows(ctx, x.t, "persons", personColumns, rows, "")
}

// personUpdateColumns are the columns UpdatePersons writes, the key first.
var personUpdateColumns = []column{
	{"id", colText}, {"last_name", colText}, {"first_name", colText}, {"birth_date", colDate},
	{"matricule", colNullText}, {"identity_key", colText}, {"updated_at", colTime},
}

// UpdatePersons implements extranet.Tx, in one statement.
func (x *tx) UpdatePersons(ctx context.Context, ps []extranet.Person) (err error) {
	defer errs.Wrap(&err, "extranetstore: update %d persons", len(ps))
	rows := make([][]any, len(ps))
	for i, p := range ps {
		rows[i] = []any{p.ID, p.LastName, p.FirstName, p.BirthDate, p.Matricule, p.IdentityKey, x.now()}
	}
	return updateRows(ctx, x.t, "persons", personUpdateColumns, rows)
}

var grantColumns = []column{
	{"id", colText}, {"person_id", colText}, {"fase", colInt}, {"school_year", colText},
	{"role", colText}, {"email", colText}, {"last_name", colText}, {"first_name", colText},
	{"state", colText}, {"since", colTime}, {"pending", colText}, {"pending_role", colText},
	{"pending_email", colText}, {"pending_last_name", colText}, {"pending_first_name", colText},
	{"pending_since", colTime}, {"end_reason", colText}, {"created_at", colTime}, {"updated_at", colTime},
	{"sent_birth_date", colDate}, {"sent_matricule", colText},
}

func (x *tx) InsertGrants(ctx context.Context, gs []extranet.Grant) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert %d grants", len(gs))
	rows := make([][]any, len(gs))
	for i, g := range gs {
		rows[i] = []any{g.ID, g.PersonID, g.FASE, g.SchoolYear, g.Role, g.Email, g.LastName, g.FirstName,
			g.State, g.Since, g.Pending, g.Next.Role, g.Next.Email, g.Next.LastName, g.Next.FirstName,
			g.PendingSince, g.EndReason, g.CreatedAt, g.UpdatedAt, g.SentBirthDate, g.SentMatricule}
	}
	x.inserted[tableGrants] += int64(len(rows))
	return insertRows(ctx, x.t, "grants", grantColumns, rows, "")
}

// grantUpdateColumns are the columns UpdateGrants writes, the key first.
var grantUpdateColumns = []column{
	{"id", colText}, {"role", colText}, {"email", colText}, {"last_name", colText}, {"first_name", colText},
	{"state", colText}, {"since", colTime}, {"pending", colText}, {"pending_role", colText},
	{"pending_email", colText}, {"pending_last_name", colText}, {"pending_first_name", colText},
	{"pending_since", colTime}, {"end_reason", colText}, {"updated_at", colTime},
	{"sent_birth_date", colDate}, {"sent_matricule", colText},
}

// UpdateGrants implements extranet.Tx, in one statement. The grants must
// have been read with their sent identity (LockYearGrants), which it writes
// too.
func (x *tx) UpdateGrants(ctx context.Context, gs []extranet.Grant) (err error) {
	defer errs.Wrap(&err, "extranetstore: update %d grants", len(gs))
	rows := make([][]any, len(gs))
	for i, g := range gs {
		rows[i] = []any{g.ID, g.Role, g.Email, g.LastName, g.FirstName, g.State, g.Since,
			g.Pending, g.Next.Role, g.Next.Email, g.Next.LastName, g.Next.FirstName, g.PendingSince,
			g.EndReason, g.UpdatedAt, g.SentBirthDate, g.SentMatricule}
	}
	return updateRows(ctx, x.t, "grants", grantUpdateColumns, rows)
}

// deactivateSet is the assignment that ends a grant; a waiting change ends
// with it.
const deactivateSet = `state = 'deactivated', end_reason = ?, since = ?, updated_at = ?, pending = '', pending_role = '',
pending_email = '', pending_last_name = '', pending_first_name = '', pending_since = NULL`

func (x *tx) DeactivateGrants(ctx context.Context, ids []string, reason string) (err error) {
	defer errs.Wrap(&err, "extranetstore: deactivate %d grants", len(ids))
	return chunks(x.d, ids, func(part []string) error {
		cond, args := inList(x.d, "id", part)
		_, err := x.t.Exec(ctx, `UPDATE grants SET `+deactivateSet+` WHERE `+cond,
			append([]any{reason, x.now(), x.now()}, args...)...)
		return err
	})
}

var rejectionColumns = []column{
	{"id", colText}, {"fase", colInt}, {"school_year", colText}, {"entry_key", colText},
	{"last_name", colText}, {"first_name", colText}, {"birth_date", colText}, {"matricule", colText},
	{"email", colText}, {"role", colText}, {"reason", colText}, {"transfer_id", colText},
	{"first_seen", colTime}, {"last_seen", colTime},
}

// rejectionRows are a transfer's rejections as rows of rejectionColumns,
// with their keys.
func (x *tx) rejectionRows(fase int, year, transferID string, rs []extranet.Rejection) (keys []string, rows [][]any) {
	now := x.now()
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.Key] {
			// The same line twice: one row, since the key is unique.
			continue
		}
		seen[r.Key] = true
		keys = append(keys, r.Key)
		rows = append(rows, []any{extranet.NewID(), fase, year, r.Key, r.LastName, r.FirstName, r.BirthDate, r.Matricule,
			r.Email, r.Role, r.Reason, transferID, now, now})
	}
	return keys, rows
}

// rejectionUpsert records a rejection seen again on its row.
const rejectionUpsert = ` ON CONFLICT (fase, school_year, entry_key) DO UPDATE SET last_name = excluded.last_name,
first_name = excluded.first_name, birth_date = excluded.birth_date, matricule = excluded.matricule, email = excluded.email,
role = excluded.role, reason = excluded.reason, transfer_id = excluded.transfer_id, last_seen = excluded.last_seen, resolved_at = NULL`

func (x *tx) SaveRejections(ctx context.Context, fase int, year, transferID string, rs []extranet.Rejection) (err error) {
	defer errs.Wrap(&err, "extranetstore: save %d rejections of school %d", len(rs), fase)
	now := x.now()
	keys, rows := x.rejectionRows(fase, year, transferID, rs)
	// Resolve first what this snapshot no longer rejects.
	if len(keys) == 0 {
		_, err := x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND resolved_at IS NULL`, now, fase, year)
		if err != nil {
			return err
		}
	} else if x.pg() {
		_, err := x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND resolved_at IS NULL AND NOT (entry_key = ANY(?))`,
			now, fase, year, keys)
		if err != nil {
			return err
		}
	} else {
		// SQLite: mark every open one resolved, then the upsert below
		// reopens those seen again (same transaction, so nobody sees the
		// in-between state).
		_, err := x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND resolved_at IS NULL`, now, fase, year)
		if err != nil {
			return err
		}
	}
	return insertRows(ctx, x.t, "rejections", rejectionColumns, rows, rejectionUpsert)
}

func (x *tx) AddAudit(ctx context.Context, e extranet.AuditEntry) (err error) {
	defer errs.Wrap(&err, "extranetstore: add audit entry %s", e.Action)
	if e.ID == "" {
		e.ID = extranet.NewID()
	}
	if e.Detail == "" {
		e.Detail = "{}"
	}
	_, err = x.t.Exec(ctx, `INSERT INTO audit (id, at, actor, action, fase, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.At, e.Actor, e.Action, e.FASE, e.Detail)
	return err
}

// TokenSchool implements extranet.Store.
func (s *Store) TokenSchool(ctx context.Context, hash string) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: find school of token")
	var fase int
	err = s.db.Read().QueryRow(ctx, `SELECT fase FROM school_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash).Scan(&fase)
	if err != nil {
		return 0, notFound(err, "jeton", extranet.ErrNotFound)
	}
	return fase, nil
}

// School implements extranet.Store.
func (s *Store) School(ctx context.Context, fase int) (_ extranet.School, err error) {
	defer errs.Wrap(&err, "extranetstore: read school %d", fase)
	var sc extranet.School
	err = s.db.Read().QueryRow(ctx, `SELECT fase, name, created_at, updated_at FROM schools WHERE fase = ?`, fase).
		Scan(&sc.FASE, &sc.Name, store.ScanTime(&sc.CreatedAt), store.ScanTime(&sc.UpdatedAt))
	if err != nil {
		return sc, notFound(err, fmt.Sprintf("FASE %d", fase), extranet.ErrUnknownSchool)
	}
	return sc, nil
}

// Schools implements extranet.Store.
func (s *Store) Schools(ctx context.Context) (_ []extranet.School, err error) {
	defer errs.Wrap(&err, "extranetstore: list schools")
	var out []extranet.School
	rows, err := s.db.Read().Query(ctx, `SELECT fase, name, created_at, updated_at FROM schools ORDER BY fase`)
	err = collect(rows, err, func(r *sql.Rows) error {
		var sc extranet.School
		if err := r.Scan(&sc.FASE, &sc.Name, store.ScanTime(&sc.CreatedAt), store.ScanTime(&sc.UpdatedAt)); err != nil {
			return err
		}
		out = append(out, sc)
		return nil
	})
	return out, err
}
