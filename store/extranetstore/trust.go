package extranetstore

// The trust rules' queries (extranet.TrustStore and extranet.TrustTx):
// linked addresses, « Ce n'est pas moi » notices, weak identity matches.
// Tables: migrations 008_trust.sql.

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"passerelle/extranet"
)

var (
	_ extranet.TrustStore = (*Store)(nil)
	_ extranet.TrustTx    = (*tx)(nil)
)

// AddressCircle implements extranet.TrustStore.
func (s *Store) AddressCircle(ctx context.Context, accountID, email string) ([]string, error) {
	out := []string{email}
	rows, err := s.db.Read().Query(ctx, `SELECT b.email FROM account_addresses a
JOIN account_addresses b ON b.account_id = a.account_id AND b.circle = a.circle
WHERE a.account_id = ? AND a.email = ? AND b.email <> ? ORDER BY b.email`, accountID, email, email)
	err = collect(rows, err, func(r *sql.Rows) error {
		var e string
		if err := r.Scan(&e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// SuspendedGrants implements extranet.TrustStore.
func (s *Store) SuspendedGrants(ctx context.Context, personID string) ([]string, error) {
	var out []string
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT grant_id FROM grant_notices
WHERE person_id = ? AND disputed_at <> '' AND decision <> ?`, personID, extranet.DisputeRestored)
	err = collect(rows, err, func(r *sql.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}

const noticeCols = `token_hash, grant_id, person_id, account_id, fase, school_name, school_year, role,
notified_email, grant_email, last_name, first_name, created_at, disputed_at, decided_at, decided_by, decision`

func scanNotice(scan func(dest ...any) error) (extranet.GrantNotice, error) {
	var n extranet.GrantNotice
	err := scan(&n.TokenHash, &n.GrantID, &n.PersonID, &n.AccountID, &n.FASE, &n.SchoolName, &n.SchoolYear, &n.Role,
		&n.NotifiedEmail, &n.GrantEmail, &n.LastName, &n.FirstName, tcol{&n.CreatedAt}, tcol{&n.DisputedAt},
		tcol{&n.DecidedAt}, &n.DecidedBy, &n.Decision)
	return n, err
}

// GrantNotice implements extranet.TrustStore.
func (s *Store) GrantNotice(ctx context.Context, tokenHash string) (extranet.GrantNotice, error) {
	n, err := scanNotice(s.db.Read().QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE token_hash = ?`, tokenHash).Scan)
	return n, notFound(err, "avis d'accès", extranet.ErrNotFound)
}

// Disputes implements extranet.TrustStore.
func (s *Store) Disputes(ctx context.Context, limit int) ([]extranet.GrantNotice, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []extranet.GrantNotice
	rows, err := s.db.Read().Query(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE disputed_at <> ''
ORDER BY CASE WHEN decided_at = '' THEN 0 ELSE 1 END, disputed_at DESC LIMIT ?`, limit)
	err = collect(rows, err, func(r *sql.Rows) error {
		n, err := scanNotice(r.Scan)
		out = append(out, n)
		return err
	})
	return out, err
}

const matchCols = `id, fase, school_year, person_id, grant_id, strength, last_name, first_name, other_fases, created_at, reviewed_at, reviewed_by`

func scanMatch(scan func(dest ...any) error) (extranet.IdentityMatch, error) {
	var m extranet.IdentityMatch
	var others string
	err := scan(&m.ID, &m.FASE, &m.SchoolYear, &m.PersonID, &m.GrantID, &m.Strength, &m.LastName, &m.FirstName,
		&others, tcol{&m.CreatedAt}, tcol{&m.ReviewedAt}, &m.ReviewedBy)
	for _, f := range strings.Fields(others) {
		if n, err := strconv.Atoi(f); err == nil {
			m.OtherFASEs = append(m.OtherFASEs, n)
		}
	}
	return m, err
}

// WeakMatches implements extranet.TrustStore.
func (s *Store) WeakMatches(ctx context.Context, limit int) ([]extranet.IdentityMatch, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []extranet.IdentityMatch
	rows, err := s.db.Read().Query(ctx, `SELECT `+matchCols+` FROM identity_matches
WHERE strength = ? AND reviewed_at = '' ORDER BY created_at DESC, id LIMIT ?`, extranet.MatchWeak, limit)
	err = collect(rows, err, func(r *sql.Rows) error {
		m, err := scanMatch(r.Scan)
		out = append(out, m)
		return err
	})
	return out, err
}

// --- writes ------------------------------------------------------------------

func (x *tx) OtherSchools(ctx context.Context, personIDs []string, fase int) (map[string][]int, error) {
	out := map[string][]int{}
	err := chunks(x.d, personIDs, func(part []string) error {
		cond, args := inList(x.d, "person_id", part)
		rows, err := x.t.Query(ctx, `SELECT DISTINCT person_id, fase FROM grants
WHERE `+cond+` AND fase <> ? AND state IN ('pending', 'active') ORDER BY person_id, fase`, append(args, fase)...)
		return collect(rows, err, func(r *sql.Rows) error {
			var id string
			var f int
			if err := r.Scan(&id, &f); err != nil {
				return err
			}
			out[id] = append(out[id], f)
			return nil
		})
	})
	return out, err
}

var matchColumns = []column{{"id", colText}, {"fase", colInt}, {"school_year", colText}, {"person_id", colText},
	{"grant_id", colText}, {"strength", colText}, {"last_name", colText}, {"first_name", colText},
	{"other_fases", colText}, {"created_at", colText}}

func (x *tx) InsertMatches(ctx context.Context, ms []extranet.IdentityMatch) error {
	rows := make([][]any, len(ms))
	for i, m := range ms {
		others := make([]string, len(m.OtherFASEs))
		for j, f := range m.OtherFASEs {
			others[j] = strconv.Itoa(f)
		}
		rows[i] = []any{m.ID, m.FASE, m.SchoolYear, m.PersonID, m.GrantID, m.Strength, m.LastName, m.FirstName,
			strings.Join(others, " "), ft(m.CreatedAt)}
	}
	return insertRows(ctx, x.t, "identity_matches", matchColumns, rows, "")
}

func (x *tx) LinkedAddresses(ctx context.Context, accountIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := chunks(x.d, accountIDs, func(part []string) error {
		cond, args := inList(x.d, "c.id", part)
		rows, err := x.t.Query(ctx, `SELECT c.id, b.email FROM accounts c
JOIN account_addresses a ON a.account_id = c.id AND a.email = c.email
JOIN account_addresses b ON b.account_id = a.account_id AND b.circle = a.circle
WHERE `+cond, args...)
		return collect(rows, err, func(r *sql.Rows) error {
			var id, e string
			if err := r.Scan(&id, &e); err != nil {
				return err
			}
			out[id] = append(out[id], e)
			return nil
		})
	})
	return out, err
}

var noticeColumns = []column{{"token_hash", colText}, {"grant_id", colText}, {"person_id", colText},
	{"account_id", colText}, {"fase", colInt}, {"school_name", colText}, {"school_year", colText}, {"role", colText},
	{"notified_email", colText}, {"grant_email", colText}, {"last_name", colText}, {"first_name", colText},
	{"created_at", colText}}

func (x *tx) InsertGrantNotices(ctx context.Context, ns []extranet.GrantNotice) error {
	rows := make([][]any, len(ns))
	for i, n := range ns {
		rows[i] = []any{n.TokenHash, n.GrantID, n.PersonID, n.AccountID, n.FASE, n.SchoolName, n.SchoolYear, n.Role,
			n.NotifiedEmail, n.GrantEmail, n.LastName, n.FirstName, ft(n.CreatedAt)}
	}
	return insertRows(ctx, x.t, "grant_notices", noticeColumns, rows, "")
}

// LinkAddresses merges the circles of a and b: every address of b's circle
// joins a's (a starts one when it has none).
func (x *tx) LinkAddresses(ctx context.Context, accountID, a, b string) error {
	circle := func(email string) (string, error) {
		var c string
		err := x.t.QueryRow(ctx, `SELECT circle FROM account_addresses WHERE account_id = ? AND email = ?`, accountID, email).Scan(&c)
		if err == sql.ErrNoRows {
			return "", nil
		}
		return c, err
	}
	ca, err := circle(a)
	if err != nil {
		return err
	}
	if ca == "" {
		ca = extranet.NewID()
		if _, err := x.t.Exec(ctx, `INSERT INTO account_addresses (account_id, email, circle, linked_at) VALUES (?, ?, ?, ?)`,
			accountID, a, ca, x.now()); err != nil {
			return err
		}
	}
	cb, err := circle(b)
	if err != nil {
		return err
	}
	if cb == "" {
		_, err = x.t.Exec(ctx, `INSERT INTO account_addresses (account_id, email, circle, linked_at) VALUES (?, ?, ?, ?)`,
			accountID, b, ca, x.now())
		return err
	}
	_, err = x.t.Exec(ctx, `UPDATE account_addresses SET circle = ?, linked_at = ? WHERE account_id = ? AND circle = ?`,
		ca, x.now(), accountID, cb)
	return err
}

func (x *tx) DisputeGrant(ctx context.Context, tokenHash string) (extranet.GrantNotice, error) {
	res, err := x.t.Exec(ctx, `UPDATE grant_notices SET disputed_at = ? WHERE token_hash = ? AND disputed_at = ''`, x.now(), tokenHash)
	if err != nil {
		return extranet.GrantNotice{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return extranet.GrantNotice{}, err
	} else if n == 0 {
		return extranet.GrantNotice{}, extranet.ErrNoticeInvalid
	}
	return scanNotice(x.t.QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE token_hash = ?`, tokenHash).Scan)
}

func (x *tx) DecideDispute(ctx context.Context, tokenHash, decision, actor string) (extranet.GrantNotice, error) {
	res, err := x.t.Exec(ctx, `UPDATE grant_notices SET decided_at = ?, decided_by = ?, decision = ?
WHERE token_hash = ? AND disputed_at <> '' AND decided_at = ''`, x.now(), actor, decision, tokenHash)
	if err != nil {
		return extranet.GrantNotice{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return extranet.GrantNotice{}, err
	} else if n == 0 {
		return extranet.GrantNotice{}, extranet.ErrNotFound
	}
	return scanNotice(x.t.QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE token_hash = ?`, tokenHash).Scan)
}

func (x *tx) ReviewMatch(ctx context.Context, id, actor string) (extranet.IdentityMatch, error) {
	res, err := x.t.Exec(ctx, `UPDATE identity_matches SET reviewed_at = ?, reviewed_by = ? WHERE id = ? AND reviewed_at = ''`,
		x.now(), actor, id)
	if err != nil {
		return extranet.IdentityMatch{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return extranet.IdentityMatch{}, err
	} else if n == 0 {
		return extranet.IdentityMatch{}, extranet.ErrNotFound
	}
	return scanMatch(x.t.QueryRow(ctx, `SELECT `+matchCols+` FROM identity_matches WHERE id = ?`, id).Scan)
}
