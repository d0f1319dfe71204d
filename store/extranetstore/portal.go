package extranetstore

// The portal's queries (extranet.PortalStore and extranet.PortalTx): sign-in
// links, operators, the journal of transfers, rejected entries and their
// decisions, the console's account search. Tables: migrations 002_portal.sql,
// plus operators from 001.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/errs"
	"passerelle/store"
)

var (
	_ extranet.PortalStore = (*Store)(nil)
	_ extranet.PortalTx    = (*tx)(nil)
)

// UpdatePortal implements extranet.PortalStore, with the retries of Update.
// It wraps no error itself: Update names the transaction's failures and
// returns fn's errors as they are (see wrapExceptions in wrap_test.go).
func (s *Store) UpdatePortal(ctx context.Context, now time.Time, fn func(extranet.PortalTx) error) error {
	return s.Update(ctx, now, func(t extranet.Tx) error { return fn(t.(*tx)) })
}

// Account implements extranet.PortalStore.
func (s *Store) Account(ctx context.Context, id string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: read account %s", id)
	var a extranet.Account
	err = s.db.Read().QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`, id).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, "compte "+id, extranet.ErrNotFound)
	}
	return a, nil
}

// SignInAccount implements extranet.PortalStore.
func (s *Store) SignInAccount(ctx context.Context, email string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: find sign-in account")
	var a extranet.Account
	// Addresses are stored as frtext.NormalizeEmail writes them; one that
	// does not pass it cannot be anybody's.
	email, err = frtext.NormalizeEmail(email)
	if err != nil {
		return a, extranet.ErrNotFound
	}
	err = s.db.Read().QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a
WHERE a.email = ? OR EXISTS (SELECT 1 FROM grants g WHERE g.person_id = a.person_id AND g.state = 'active' AND g.email = ?)
ORDER BY CASE WHEN a.state = 'disabled' THEN 1 ELSE 0 END, CASE WHEN a.email = ? THEN 0 ELSE 1 END, a.updated_at DESC
LIMIT 1`, email, email, email).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, fmt.Sprintf("adresse %q", email), extranet.ErrNotFound)
	}
	return a, nil
}

// likeEscape escapes the wildcards of a LIKE pattern (ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchAccounts implements extranet.PortalStore. Each word of the query
// must match the login, the e-mail or the folded names.
func (s *Store) SearchAccounts(ctx context.Context, f extranet.AccountFilter) (_ []extranet.AccountRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: search accounts")
	q := `SELECT ` + accountCols + `, ` + personCols + `,
(SELECT COUNT(*) FROM grants g WHERE g.person_id = a.person_id AND g.state = 'active')
FROM accounts a JOIN persons p ON p.id = a.person_id WHERE 1 = 1`
	var args []any
	words := strings.Fields(f.Query)
	if len(words) > extranet.MaxSearchWords {
		words = words[:extranet.MaxSearchWords]
	}
	for _, w := range words {
		login := frtext.LoginPart(w)
		if login == "" {
			login = strings.ToLower(w)
		}
		q += ` AND (a.login LIKE ? ESCAPE '\' OR a.email LIKE ? ESCAPE '\' OR p.identity_key LIKE ? ESCAPE '\')`
		args = append(args, "%"+likeEscape(login)+"%", "%"+likeEscape(strings.ToLower(w))+"%", "%"+likeEscape(frtext.Fold(w))+"%")
	}
	if f.State != "" {
		q += ` AND a.state = ?`
		args = append(args, f.State)
	}
	q += ` ORDER BY a.login LIMIT ?`
	args = append(args, limit(f.Limit))
	var out []extranet.AccountRecord
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		var rec extranet.AccountRecord
		dest := append(accountDest(&rec.Account), personDest(&rec.Person)...)
		if err := r.Scan(append(dest, &rec.ActiveGrants)...); err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

const operatorCols = "id, login, name, password_hash, created_at"

func (s *Store) operator(ctx context.Context, where string, arg any) (extranet.Operator, error) {
	var o extranet.Operator
	err := s.db.Read().QueryRow(ctx, `SELECT `+operatorCols+` FROM operators WHERE `+where+` = ?`, arg).
		Scan(&o.ID, &o.Login, &o.Name, &o.PasswordHash, store.ScanTime(&o.CreatedAt))
	if err != nil {
		return o, notFound(err, fmt.Sprintf("opérateur %v", arg), extranet.ErrNotFound)
	}
	return o, nil
}

// Operator implements extranet.PortalStore.
func (s *Store) Operator(ctx context.Context, id string) (_ extranet.Operator, err error) {
	defer errs.Wrap(&err, "extranetstore: read operator %s", id)
	return s.operator(ctx, "id", id)
}

// OperatorByLogin implements extranet.PortalStore.
func (s *Store) OperatorByLogin(ctx context.Context, login string) (_ extranet.Operator, err error) {
	defer errs.Wrap(&err, "extranetstore: find operator by login")
	return s.operator(ctx, "login", strings.ToLower(strings.TrimSpace(login)))
}

// SetOperatorPassword replaces an operator's password hash and ends the
// operator's console sessions.
func (s *Store) SetOperatorPassword(ctx context.Context, login, hash string) (err error) {
	defer errs.Wrap(&err, "extranetstore: set operator password")
	op, err := s.OperatorByLogin(ctx, login)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE operators SET password_hash = ? WHERE id = ?`, hash, op.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE kind = 'operator' AND user_id = ?`, op.ID)
		return err
	})
}

// SchoolTokens implements extranet.PortalStore.
func (s *Store) SchoolTokens(ctx context.Context, fase int) (_ []extranet.SchoolToken, err error) {
	defer errs.Wrap(&err, "extranetstore: list tokens of school %d", fase)
	var out []extranet.SchoolToken
	rows, err := s.db.Read().Query(ctx, `SELECT token_hash, created_at, created_by, revoked_at FROM school_tokens
WHERE fase = ? ORDER BY created_at DESC, token_hash`, fase)
	err = collect(rows, err, func(r *sql.Rows) error {
		var t extranet.SchoolToken
		var hash string
		if err := r.Scan(&hash, store.ScanTime(&t.CreatedAt), &t.CreatedBy, store.ScanTime(&t.RevokedAt)); err != nil {
			return err
		}
		t.HashPrefix = hash[:min(8, len(hash))]
		out = append(out, t)
		return nil
	})
	return out, err
}

const transferLogCols = "t.id, t.fase, t.school_year, t.at, t.actor, t.outcome, t.counts, t.deactivations, t.live_grants, t.changes, t.dismissed_at, t.dismissed_by"

func scanTransferRecord(scan func(dest ...any) error) (extranet.TransferRecord, error) {
	var rec extranet.TransferRecord
	var counts, changes string
	if err := scan(&rec.ID, &rec.FASE, &rec.SchoolYear, store.ScanTime(&rec.At), &rec.Actor, &rec.Outcome, &counts,
		&rec.Deactivations, &rec.LiveGrants, &changes, store.ScanTime(&rec.DismissedAt), &rec.DismissedBy); err != nil {
		return rec, err
	}
	if err := json.Unmarshal([]byte(counts), &rec.Counts); err != nil {
		return rec, fmt.Errorf("transfert %s : décompte illisible : %w", rec.ID, err)
	}
	if err := json.Unmarshal([]byte(changes), &rec.Changes); err != nil {
		return rec, fmt.Errorf("transfert %s : changements illisibles : %w", rec.ID, err)
	}
	return rec, nil
}

// Transfers implements extranet.PortalStore.
func (s *Store) Transfers(ctx context.Context, f extranet.TransferFilter) (_ []extranet.TransferRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: list transfers")
	q := `SELECT ` + transferLogCols + ` FROM transfer_log t WHERE 1 = 1`
	var args []any
	if f.FASE != 0 {
		q += ` AND t.fase = ?`
		args = append(args, f.FASE)
	}
	if !f.From.IsZero() {
		q += ` AND t.at >= ?`
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		q += ` AND t.at < ?`
		args = append(args, f.To)
	}
	if f.Outcome != "" {
		q += ` AND t.outcome = ?`
		args = append(args, f.Outcome)
	}
	if f.OpenHeld {
		// A later applied transfer of the school-year settles a held one,
		// whether it was confirmed or corrected.
		q += ` AND t.outcome = 'held' AND t.dismissed_at IS NULL AND NOT EXISTS (SELECT 1 FROM transfer_log l
WHERE l.fase = t.fase AND l.school_year = t.school_year AND l.outcome = 'applied' AND l.at > t.at)`
	}
	q += ` ORDER BY t.at DESC, t.id DESC LIMIT ?`
	args = append(args, limit(f.Limit))
	var out []extranet.TransferRecord
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		rec, err := scanTransferRecord(r.Scan)
		if err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// TransferRecord implements extranet.PortalStore.
func (s *Store) TransferRecord(ctx context.Context, id string) (_ extranet.TransferRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: read transfer %s", id)
	rec, err := scanTransferRecord(s.db.Read().QueryRow(ctx, `SELECT `+transferLogCols+` FROM transfer_log t WHERE t.id = ?`, id).Scan)
	if err != nil {
		return rec, notFound(err, "transfert "+id, extranet.ErrNotFound)
	}
	return rec, nil
}

const rejectionCols = `id, fase, school_year, entry_key, last_name, first_name, birth_date, matricule, email, role, reason,
transfer_id, first_seen, last_seen, resolved_at`

func rejectionDest(j *extranet.Rejection) []any {
	return []any{&j.ID, &j.FASE, &j.SchoolYear, &j.Key, &j.LastName, &j.FirstName, &j.BirthDate, &j.Matricule,
		&j.Email, &j.Role, &j.Reason, &j.TransferID, store.ScanTime(&j.FirstSeen), store.ScanTime(&j.LastSeen), store.ScanTime(&j.ResolvedAt)}
}

// Rejection implements extranet.PortalStore.
func (s *Store) Rejection(ctx context.Context, id string) (_ extranet.Rejection, err error) {
	defer errs.Wrap(&err, "extranetstore: read rejection %s", id)
	var j extranet.Rejection
	err = s.db.Read().QueryRow(ctx, `SELECT `+rejectionCols+` FROM rejections WHERE id = ?`, id).Scan(rejectionDest(&j)...)
	if err != nil {
		return j, notFound(err, "entrée rejetée "+id, extranet.ErrNotFound)
	}
	return j, nil
}

// RejectionDecisions implements extranet.PortalStore.
func (s *Store) RejectionDecisions(ctx context.Context, id string) (_ []extranet.RejectionDecision, err error) {
	defer errs.Wrap(&err, "extranetstore: read decisions of rejection %s", id)
	var out []extranet.RejectionDecision
	rows, err := s.db.Read().Query(ctx, `SELECT rejection_id, decision, person_id, actor, at FROM rejection_decisions
WHERE rejection_id = ? ORDER BY at, id`, id)
	err = collect(rows, err, func(r *sql.Rows) error {
		var d extranet.RejectionDecision
		if err := r.Scan(&d.RejectionID, &d.Decision, &d.PersonID, &d.Actor, store.ScanTime(&d.At)); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// Candidates implements extranet.PortalStore: the persons with the entry's
// matricule, its names and birth date, or its e-mail address (on their
// account or on a live grant).
func (s *Store) Candidates(ctx context.Context, r extranet.Rejection) (_ []extranet.Candidate, err error) {
	defer errs.Wrap(&err, "extranetstore: find candidates for rejection %s", r.ID)
	key := extranet.IdentityKey(r.LastName, r.FirstName, r.BirthDate)
	var conds []string
	var args []any
	if r.Matricule != "" {
		conds = append(conds, `p.matricule = ?`)
		args = append(args, r.Matricule)
	}
	if key != "" {
		conds = append(conds, `p.identity_key = ?`)
		args = append(args, key)
	}
	if r.Email != "" {
		conds = append(conds, `p.id IN (SELECT person_id FROM accounts WHERE email = ?)`,
			`p.id IN (SELECT person_id FROM grants WHERE state IN ('pending', 'active') AND (email = ? OR pending_email = ?))`)
		args = append(args, r.Email, r.Email, r.Email)
	}
	if len(conds) == 0 {
		return nil, nil
	}
	var out []extranet.Candidate
	rows, err := s.db.Read().Query(ctx, `SELECT `+personCols+`, COALESCE(a.login, ''), COALESCE(a.email, '')
FROM persons p LEFT JOIN accounts a ON a.person_id = p.id
WHERE `+strings.Join(conds, " OR ")+` ORDER BY p.last_name, p.first_name, p.id LIMIT 50`, args...)
	err = collect(rows, err, func(rw *sql.Rows) error {
		var c extranet.Candidate
		var accountEmail string
		if err := rw.Scan(append(personDest(&c.Person), &c.Login, &accountEmail)...); err != nil {
			return err
		}
		if r.Matricule != "" && c.Person.Matricule == r.Matricule {
			c.Why = append(c.Why, "même matricule")
		}
		if key != "" && c.Person.IdentityKey == key {
			c.Why = append(c.Why, "même nom et date de naissance")
		}
		if r.Email != "" && accountEmail == r.Email {
			c.Why = append(c.Why, "même adresse e-mail")
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		grants, err := s.PersonGrants(ctx, out[i].Person.ID)
		if err != nil {
			return nil, err
		}
		out[i].Grants = grants
		if r.Email != "" && !slices.Contains(out[i].Why, "même adresse e-mail") {
			for _, g := range grants {
				if g.Grant.Live() && (g.Grant.Email == r.Email || g.Grant.Next.Email == r.Email) {
					out[i].Why = append(out[i].Why, "même adresse e-mail")
					break
				}
			}
		}
	}
	return out, nil
}

// SignInLinkOpen implements extranet.PortalStore.
func (s *Store) SignInLinkOpen(ctx context.Context, tokenHash string, now time.Time) (_ bool, err error) {
	defer errs.Wrap(&err, "extranetstore: check sign-in link")
	var n int
	err = s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM signin_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		tokenHash, now).Scan(&n)
	return n > 0, err
}

// --- writes ------------------------------------------------------------------

func (x *tx) InsertOperator(ctx context.Context, o extranet.Operator) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert operator %s", o.ID)
	res, err := x.t.Exec(ctx, `INSERT INTO operators (id, login, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (login) DO NOTHING`, o.ID, o.Login, o.Name, o.PasswordHash, o.CreatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("opérateur %q : %w", o.Login, extranet.ErrOperatorExists)
	}
	return nil
}

// signInLinkKeep is how long spent and expired links stay, for the record.
const signInLinkKeep = 24 * time.Hour

func (x *tx) InsertSignInLink(ctx context.Context, l extranet.SignInLink) (err error) {
	defer errs.Wrap(&err, "extranetstore: insert sign-in link")
	// Swept here, as sessions are, rather than by a timer.
	if _, err := x.t.Exec(ctx, `DELETE FROM signin_links WHERE expires_at < ?`, x.t.Now.Add(-signInLinkKeep)); err != nil {
		return err
	}
	purpose := l.Purpose
	if purpose == "" {
		purpose = extranet.LinkSignIn
	}
	_, err = x.t.Exec(ctx, `INSERT INTO signin_links (token_hash, account_id, email, purpose, from_email, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, l.TokenHash, l.AccountID, l.Email, purpose, l.FromEmail, l.CreatedAt, l.ExpiresAt)
	return err
}

func (x *tx) UseSignInLink(ctx context.Context, tokenHash string) (_ extranet.SignInLink, err error) {
	defer errs.Wrap(&err, "extranetstore: use sign-in link")
	// The conditional update is the check: of two requests with the same
	// link, only one changes the row.
	res, err := x.t.Exec(ctx, `UPDATE signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		x.now(), tokenHash, x.now())
	if err != nil {
		return extranet.SignInLink{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return extranet.SignInLink{}, err
	} else if n == 0 {
		return extranet.SignInLink{}, extranet.ErrLinkInvalid
	}
	l := extranet.SignInLink{TokenHash: tokenHash}
	err = x.t.QueryRow(ctx, `SELECT account_id, email, purpose, from_email, created_at, expires_at, used_at FROM signin_links WHERE token_hash = ?`, tokenHash).
		Scan(&l.AccountID, &l.Email, &l.Purpose, &l.FromEmail, store.ScanTime(&l.CreatedAt), store.ScanTime(&l.ExpiresAt), store.ScanTime(&l.UsedAt))
	if err != nil {
		return l, err
	}
	// Older links of the same address still in the mailbox are worth
	// nothing once one served; those sent to the account's other addresses
	// belong to other mailboxes, whose holders may be other people.
	_, err = x.t.Exec(ctx, `UPDATE signin_links SET used_at = ? WHERE account_id = ? AND email = ? AND purpose = ? AND used_at IS NULL`,
		x.now(), l.AccountID, l.Email, l.Purpose)
	return l, err
}

func (x *tx) MarkSignedIn(ctx context.Context, accountID string) (err error) {
	defer errs.Wrap(&err, "extranetstore: mark account %s signed in", accountID)
	_, err = x.t.Exec(ctx, `UPDATE accounts SET state = CASE WHEN state = 'invited' THEN 'active' ELSE state END,
activated_at = COALESCE(activated_at, ?), updated_at = ? WHERE id = ?`,
		x.now(), x.now(), accountID)
	return err
}

func (x *tx) LockAccount(ctx context.Context, id string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: lock account %s", id)
	var a extranet.Account
	err = x.t.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`+forUpdate(x.d, "FOR UPDATE"), id).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, "compte "+id, extranet.ErrNotFound)
	}
	return a, nil
}

func (x *tx) LockPerson(ctx context.Context, id string) (_ extranet.Person, err error) {
	defer errs.Wrap(&err, "extranetstore: lock person %s", id)
	var p extranet.Person
	err = x.t.QueryRow(ctx, `SELECT `+personCols+` FROM persons p WHERE p.id = ?`+forUpdate(x.d, "FOR UPDATE"), id).Scan(personDest(&p)...)
	if err != nil {
		return p, notFound(err, "personne "+id, extranet.ErrNotFound)
	}
	return p, nil
}

func (x *tx) LockRejection(ctx context.Context, id string) (_ extranet.Rejection, err error) {
	defer errs.Wrap(&err, "extranetstore: lock rejection %s", id)
	var j extranet.Rejection
	err = x.t.QueryRow(ctx, `SELECT `+rejectionCols+` FROM rejections WHERE id = ?`+forUpdate(x.d, "FOR UPDATE"), id).Scan(rejectionDest(&j)...)
	if err != nil {
		return j, notFound(err, "entrée rejetée "+id, extranet.ErrNotFound)
	}
	return j, nil
}

func (x *tx) ResolveRejection(ctx context.Context, d extranet.RejectionDecision) (err error) {
	defer errs.Wrap(&err, "extranetstore: resolve rejection %s", d.RejectionID)
	if _, err := x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE id = ?`, d.At, d.RejectionID); err != nil {
		return err
	}
	_, err = x.t.Exec(ctx, `INSERT INTO rejection_decisions (id, rejection_id, decision, person_id, actor, at) VALUES (?, ?, ?, ?, ?, ?)`,
		extranet.NewID(), d.RejectionID, d.Decision, d.PersonID, d.Actor, d.At)
	return err
}

func (x *tx) SaveTransferRecord(ctx context.Context, r extranet.TransferRecord) (err error) {
	defer errs.Wrap(&err, "extranetstore: save transfer %s", r.ID)
	query, args, err := journalInsert(r)
	return queryExec(ctx, x.t, query, args, err)
}

func (x *tx) DismissHeld(ctx context.Context, id, actor string) (err error) {
	defer errs.Wrap(&err, "extranetstore: dismiss held transfer %s", id)
	res, err := x.t.Exec(ctx, `UPDATE transfer_log SET dismissed_at = ?, dismissed_by = ? WHERE id = ? AND outcome = 'held' AND dismissed_at IS NULL`,
		x.now(), actor, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("transfert suspendu %s : %w", id, extranet.ErrNotFound)
	}
	return nil
}
