package extranetstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

// AccountByLogin implements extranet.Directory. Logins are stored in lower
// case; the one asked for is lower-cased too, so "Jean.Dupont.040580" signs
// in as well.
func (s *Store) AccountByLogin(ctx context.Context, login string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: find account by login")
	var a extranet.Account
	err = s.db.Read().QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.login = ?`,
		strings.ToLower(strings.TrimSpace(login))).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, fmt.Sprintf("identifiant %q", login), extranet.ErrNotFound)
	}
	return a, nil
}

// AccountByEmail implements extranet.Directory.
func (s *Store) AccountByEmail(ctx context.Context, email string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: find account by address")
	var a extranet.Account
	err = s.db.Read().QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.email = ?
ORDER BY CASE WHEN a.state = 'disabled' THEN 1 ELSE 0 END, a.updated_at DESC LIMIT 1`,
		strings.ToLower(strings.TrimSpace(email))).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, fmt.Sprintf("adresse %q", email), extranet.ErrNotFound)
	}
	return a, nil
}

// Person implements extranet.Directory.
func (s *Store) Person(ctx context.Context, id string) (_ extranet.Person, err error) {
	defer errs.Wrap(&err, "extranetstore: read person %s", id)
	var p extranet.Person
	err = s.db.Read().QueryRow(ctx, `SELECT `+personCols+` FROM persons p WHERE p.id = ?`, id).Scan(personDest(&p)...)
	if err != nil {
		return p, notFound(err, "personne "+id, extranet.ErrNotFound)
	}
	return p, nil
}

// PersonGrants implements extranet.Directory.
func (s *Store) PersonGrants(ctx context.Context, personID string) (_ []extranet.PersonGrant, err error) {
	defer errs.Wrap(&err, "extranetstore: read grants of person %s", personID)
	var out []extranet.PersonGrant
	rows, err := s.db.Read().Query(ctx, `SELECT `+grantCols+`, s.name FROM grants g JOIN schools s ON s.fase = g.fase
WHERE g.person_id = ? ORDER BY g.school_year DESC, s.name, g.fase`, personID)
	err = collect(rows, err, func(r *sql.Rows) error {
		var pg extranet.PersonGrant
		if err := r.Scan(append(grantDest(&pg.Grant), &pg.SchoolName)...); err != nil {
			return err
		}
		out = append(out, pg)
		return nil
	})
	return out, err
}

// Audit implements extranet.Store.
func (s *Store) Audit(ctx context.Context, f extranet.AuditFilter) (_ []extranet.AuditEntry, err error) {
	defer errs.Wrap(&err, "extranetstore: read audit")
	q := `SELECT id, at, actor, action, fase, detail FROM audit WHERE 1 = 1`
	var args []any
	if f.FASE != 0 {
		q += ` AND fase = ?`
		args = append(args, f.FASE)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	switch {
	case f.Actor == "":
	case strings.HasSuffix(f.Actor, ":"):
		q += ` AND actor LIKE ? ESCAPE '\'`
		args = append(args, likeEscape(f.Actor)+"%")
	default:
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit(f.Limit))
	var out []extranet.AuditEntry
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		var e extranet.AuditEntry
		if err := r.Scan(&e.ID, store.ScanTime(&e.At), &e.Actor, &e.Action, &e.FASE, &e.Detail); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Rejections implements extranet.Store.
func (s *Store) Rejections(ctx context.Context, f extranet.RejectionFilter) (_ []extranet.Rejection, err error) {
	defer errs.Wrap(&err, "extranetstore: list rejections")
	q := `SELECT id, fase, school_year, entry_key, last_name, first_name, birth_date, matricule, email, role, reason,
transfer_id, first_seen, last_seen, resolved_at FROM rejections WHERE 1 = 1`
	var args []any
	if f.FASE != 0 {
		q += ` AND fase = ?`
		args = append(args, f.FASE)
	}
	if f.OpenOnly {
		q += ` AND resolved_at IS NULL`
	}
	q += ` ORDER BY last_seen DESC, id LIMIT ?`
	args = append(args, limit(f.Limit))
	var out []extranet.Rejection
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		var j extranet.Rejection
		if err := r.Scan(&j.ID, &j.FASE, &j.SchoolYear, &j.Key, &j.LastName, &j.FirstName, &j.BirthDate, &j.Matricule,
			&j.Email, &j.Role, &j.Reason, &j.TransferID, store.ScanTime(&j.FirstSeen), store.ScanTime(&j.LastSeen), store.ScanTime(&j.ResolvedAt)); err != nil {
			return err
		}
		out = append(out, j)
		return nil
	})
	return out, err
}
