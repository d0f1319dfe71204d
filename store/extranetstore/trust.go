package extranetstore

// The trust rules' queries (extranet.TrustStore and extranet.TrustTx):
// linked addresses, « Ce n'est pas moi » notices, weak identity matches.
// Tables: migrations 008_trust.sql.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

var (
	_ extranet.TrustStore = (*Store)(nil)
	_ extranet.TrustTx    = (*tx)(nil)
)

// AddressCircle implements extranet.TrustStore.
func (s *Store) AddressCircle(ctx context.Context, accountID, email string) (_ []string, err error) {
	defer errs.Wrap(&err, "extranetstore: read address circle of account %s", accountID)
	out := []string{email}
	rows, err := s.db.Read().Query(ctx, `SELECT b.email FROM account_addresses a
JOIN account_addresses b ON b.account_id = a.account_id AND b.circle = a.circle
WHERE a.account_id = ? AND a.email = ? AND b.email <> ? ORDER BY b.email`, accountID, email, email)
	err = collectStrings(rows, err, &out)
	return out, err
}

// SuspendedGrants implements extranet.TrustStore.
func (s *Store) SuspendedGrants(ctx context.Context, personID string) (_ []string, err error) {
	defer errs.Wrap(&err, "extranetstore: read suspended grants of person %s", personID)
	var out []string
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT grant_id FROM grant_notices
WHERE person_id = ? AND suspended = TRUE AND decision <> ?`, personID, extranet.DisputeRestored)
	err = collectStrings(rows, err, &out)
	return out, err
}

const noticeCols = `id, token_hash, grant_id, person_id, account_id, fase, school_name, school_year, role,
notified_email, grant_email, last_name, first_name, created_at, expires_at, disputed_at, suspended, decided_at, decided_by, decision`

func scanNotice(scan func(dest ...any) error) (extranet.GrantNotice, error) {
	var n extranet.GrantNotice
	err := scan(&n.ID, &n.TokenHash, &n.GrantID, &n.PersonID, &n.AccountID, &n.FASE, &n.SchoolName, &n.SchoolYear, &n.Role,
		&n.NotifiedEmail, &n.GrantEmail, &n.LastName, &n.FirstName, store.ScanTime(&n.CreatedAt), store.ScanTime(&n.ExpiresAt),
		store.ScanTime(&n.DisputedAt), &n.Suspended, store.ScanTime(&n.DecidedAt), &n.DecidedBy, &n.Decision)
	return n, err
}

// GrantNotice implements extranet.TrustStore.
func (s *Store) GrantNotice(ctx context.Context, tokenHash string) (_ extranet.GrantNotice, err error) {
	defer errs.Wrap(&err, "extranetstore: read grant notice")
	if tokenHash == "" {
		return extranet.GrantNotice{}, extranet.ErrNotFound
	}
	n, err := scanNotice(s.db.Read().QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE token_hash = ?`, tokenHash).Scan)
	return n, notFound(err, "avis d'accès", extranet.ErrNotFound)
}

// Disputes implements extranet.TrustStore.
func (s *Store) Disputes(ctx context.Context, limit int) (_ []extranet.GrantNotice, err error) {
	defer errs.Wrap(&err, "extranetstore: list disputes")
	if limit <= 0 {
		limit = 100
	}
	var out []extranet.GrantNotice
	rows, err := s.db.Read().Query(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE disputed_at IS NOT NULL
ORDER BY CASE WHEN decided_at IS NULL THEN 0 ELSE 1 END, disputed_at DESC LIMIT ?`, limit)
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
		&others, store.ScanTime(&m.CreatedAt), store.ScanTime(&m.ReviewedAt), &m.ReviewedBy)
	for _, f := range strings.Fields(others) {
		if n, err := strconv.Atoi(f); err == nil {
			m.OtherFASEs = append(m.OtherFASEs, n)
		}
	}
	return m, err
}

// OpenSignInLink implements extranet.TrustStore.
func (s *Store) OpenSignInLink(ctx context.Context, tokenHash string, now time.Time) (_ extranet.SignInLink, _ bool, err error) {
	defer errs.Wrap(&err, "extranetstore: open sign-in link")
	l := extranet.SignInLink{TokenHash: tokenHash}
	err = s.db.Read().QueryRow(ctx, `SELECT account_id, email, purpose, from_email, created_at, expires_at FROM signin_links
WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, now).
		Scan(&l.AccountID, &l.Email, &l.Purpose, &l.FromEmail, store.ScanTime(&l.CreatedAt), store.ScanTime(&l.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, err
}

// OpenMatches implements extranet.TrustStore: the weak matches waiting for
// an operator (strong ones are in the audit log).
func (s *Store) OpenMatches(ctx context.Context, limit int) (_ []extranet.IdentityMatch, err error) {
	defer errs.Wrap(&err, "extranetstore: list open matches")
	if limit <= 0 {
		limit = 100
	}
	var out []extranet.IdentityMatch
	rows, err := s.db.Read().Query(ctx, `SELECT `+matchCols+` FROM identity_matches
WHERE strength = ? AND reviewed_at IS NULL ORDER BY created_at DESC, id LIMIT ?`, extranet.MatchWeak, limit)
	err = collect(rows, err, func(r *sql.Rows) error {
		m, err := scanMatch(r.Scan)
		out = append(out, m)
		return err
	})
	return out, err
}

// --- writes ------------------------------------------------------------------

func (x *tx) OtherSchools(ctx context.Context, personIDs []string, fase int, schoolYear string) (_ map[string][]int, err error) {
	defer errs.Wrap(&err, "extranetstore: find other schools of %d persons", len(personIDs))
	out := map[string][]int{}
	err = chunks(x.d, personIDs, func(part []string) error {
		// On PostgreSQL the persons drive the query from an array, through
		// the grants' person index: a person = ANY(…) condition is planned
		// as a full scan of the grants while an initial load outgrows the
		// table's statistics (docs/extranet.md), and a school's first
		// transfer runs this for its staff known elsewhere.
		from, args := "grants g WHERE g.person_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+")", make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if x.pg() {
			from, args = "unnest(?::text[]) AS u(id) JOIN grants g ON g.person_id = u.id WHERE true", []any{part}
		}
		rows, err := x.t.Query(ctx, `SELECT DISTINCT g.person_id, g.fase FROM `+from+`
AND g.fase <> ? AND g.state IN ('pending', 'active')
AND NOT EXISTS (SELECT 1 FROM grants k WHERE k.person_id = g.person_id AND k.fase = ? AND k.school_year <> ?)
ORDER BY g.person_id, g.fase`, append(args, fase, fase, schoolYear)...)
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
	{"other_fases", colText}, {"created_at", colTime}}

func (x *tx) InsertMatches(ctx context.Context, ms []extranet.IdentityMatch) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert %d matches", len(ms))
	return insertRows(ctx, x.t, "identity_matches", matchColumns, matchRows(ms), "")
}

func (x *tx) LinkedAddresses(ctx context.Context, accountIDs []string) (_ map[string][]string, err error) {
	defer errs.Wrap(&err, "extranetstore: read linked addresses of %d accounts", len(accountIDs))
	out := map[string][]string{}
	err = chunks(x.d, accountIDs, func(part []string) error {
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

var noticeColumns = []column{{"id", colText}, {"grant_id", colText}, {"person_id", colText},
	{"account_id", colText}, {"fase", colInt}, {"school_name", colText}, {"school_year", colText}, {"role", colText},
	{"notified_email", colText}, {"grant_email", colText}, {"last_name", colText}, {"first_name", colText},
	{"created_at", colTime}, {"expires_at", colTime}}

func (x *tx) InsertGrantNotices(ctx context.Context, ns []extranet.GrantNotice) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert %d grant notices", len(ns))
	rows := make([][]any, len(ns))
	for i, n := range ns {
		rows[i] = []any{n.ID, n.GrantID, n.PersonID, n.AccountID, n.FASE, n.SchoolName, n.SchoolYear, n.Role,
			n.NotifiedEmail, n.GrantEmail, n.LastName, n.FirstName, n.CreatedAt, n.ExpiresAt}
	}
	return insertRows(ctx, x.t, "grant_notices", noticeColumns, rows, "")
}

// LinkAddresses merges the circles of a and b: every address of b's circle
// joins a's (a starts one when it has none).
func (x *tx) LinkAddresses(ctx context.Context, accountID, a, b string) (err error) {
	defer errs.Wrap(&err, "extranetstore: link addresses of account %s", accountID)
	circle := func(email string) (string, error) {
		var c string
		err := x.t.QueryRow(ctx, `SELECT circle FROM account_addresses WHERE account_id = ? AND email = ?`, accountID, email).Scan(&c)
		if errors.Is(err, sql.ErrNoRows) {
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

func (x *tx) DisputeGrant(ctx context.Context, tokenHash string) (_ extranet.GrantNotice, err error) {
	defer errs.Wrap(&err, "extranetstore: dispute grant")
	if tokenHash == "" {
		return extranet.GrantNotice{}, extranet.ErrNoticeInvalid
	}
	n, err := scanNotice(x.t.QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE token_hash = ?`+forUpdate(x.d, "FOR UPDATE"), tokenHash).Scan)
	if err != nil || !n.DisputedAt.IsZero() || !x.t.Now.Before(n.ExpiresAt) {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return n, err
		}
		return extranet.GrantNotice{}, extranet.ErrNoticeInvalid
	}
	n.DisputedAt, n.Suspended = x.t.Now, true
	if _, err := x.t.Exec(ctx, `UPDATE grant_notices SET disputed_at = ?, suspended = TRUE WHERE id = ?`, x.now(), n.ID); err != nil {
		return n, err
	}
	// The disputed address leaves the account's circle too: what it was
	// linked to is out of its reach again (its holder, if it is the person
	// after all, links it anew once an operator restores the access).
	_, err = x.t.Exec(ctx, `DELETE FROM account_addresses WHERE account_id = ? AND email = ?`, n.AccountID, n.GrantEmail)
	return n, err
}

func (x *tx) DecideDispute(ctx context.Context, id, decision, actor string) (_ extranet.GrantNotice, err error) {
	defer errs.Wrap(&err, "extranetstore: decide dispute %s", id)
	// « Maintenir la suspension » suspends a dispute that waited for the
	// operators; « Rétablir le lien » lifts the suspension.
	res, err := x.t.Exec(ctx, `UPDATE grant_notices SET decided_at = ?, decided_by = ?, decision = ?,
suspended = CASE WHEN ? = 'kept' THEN TRUE ELSE FALSE END
WHERE id = ? AND disputed_at IS NOT NULL AND decided_at IS NULL`, x.now(), actor, decision, decision, id)
	if err != nil {
		return extranet.GrantNotice{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return extranet.GrantNotice{}, err
	} else if n == 0 {
		return extranet.GrantNotice{}, extranet.ErrNotFound
	}
	return scanNotice(x.t.QueryRow(ctx, `SELECT `+noticeCols+` FROM grant_notices WHERE id = ?`, id).Scan)
}

func (x *tx) SetNoticeToken(ctx context.Context, id, tokenHash string) (err error) {
	defer errs.Wrap(&err, "extranetstore: set token of notice %s", id)
	_, err = x.t.Exec(ctx, `UPDATE grant_notices SET token_hash = ? WHERE id = ?`, tokenHash, id)
	return err
}

func (x *tx) ReviewMatch(ctx context.Context, id, actor string) (_ extranet.IdentityMatch, err error) {
	defer errs.Wrap(&err, "extranetstore: review match %s", id)
	res, err := x.t.Exec(ctx, `UPDATE identity_matches SET reviewed_at = ?, reviewed_by = ? WHERE id = ? AND reviewed_at IS NULL`,
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

// MarkProven records a followed sign-in link: the address joins the
// account's addresses (a circle of its own when new) as proven.
func (x *tx) MarkProven(ctx context.Context, accountID, email string) (err error) {
	defer errs.Wrap(&err, "extranetstore: mark address proven for account %s", accountID)
	_, err = x.t.Exec(ctx, `INSERT INTO account_addresses (account_id, email, circle, proven_at) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, email) DO UPDATE SET proven_at = COALESCE(account_addresses.proven_at, excluded.proven_at)`,
		accountID, email, extranet.NewID(), x.now())
	return err
}

// RehomeAccounts implements extranet.TrustTx. The candidates are few (the
// accounts whose own grant ended since the last night), read in one query
// with their person's live grants, the preferred one first.
func (x *tx) RehomeAccounts(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: rehome accounts")
	type move struct{ id, person, grant, email string }
	var moves []move
	seen := map[string]bool{}
	rows, err := x.t.Query(ctx, `SELECT a.id, a.person_id, g.id, g.email FROM accounts a
JOIN grants g ON g.person_id = a.person_id AND g.state IN ('pending', 'active')
WHERE a.disabled_by = '' AND NOT EXISTS (
  SELECT 1 FROM grants o WHERE o.id = a.own_grant AND o.state IN ('pending', 'active'))
ORDER BY a.id, CASE WHEN g.email = a.email THEN 0 ELSE 1 END,
  CASE WHEN EXISTS (SELECT 1 FROM account_addresses h JOIN account_addresses l
    ON l.account_id = h.account_id AND l.circle = h.circle
    WHERE h.account_id = a.id AND h.email = a.email AND l.email = g.email) THEN 0 ELSE 1 END,
  g.created_at, g.id`)
	err = collect(rows, err, func(r *sql.Rows) error {
		var m move
		if err := r.Scan(&m.id, &m.person, &m.grant, &m.email); err != nil {
			return err
		}
		if !seen[m.id] {
			seen[m.id] = true
			moves = append(moves, m)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, m := range moves {
		if _, err := x.t.Exec(ctx, `UPDATE accounts SET own_grant = ?, email = ?, updated_at = ? WHERE id = ?`,
			m.grant, m.email, x.now(), m.id); err != nil {
			return 0, err
		}
	}
	return len(moves), nil
}
