package extranetstore

// The queries of extranet.WelcomeStore: the account an invitation's link
// opens, and what waits for the night at an address.

import (
	"context"
	"database/sql"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/errs"
)

var _ extranet.WelcomeStore = (*Store)(nil)

// PersonAccount implements extranet.WelcomeStore.
func (s *Store) PersonAccount(ctx context.Context, personID string) (_ extranet.Account, err error) {
	defer errs.Wrap(&err, "extranetstore: read account of person %s", personID)
	var a extranet.Account
	err = s.db.Read().QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.person_id = ?`, personID).Scan(accountDest(&a)...)
	if err != nil {
		return a, notFound(err, "compte de la personne "+personID, extranet.ErrNotFound)
	}
	return a, nil
}

// PendingAt implements extranet.WelcomeStore.
func (s *Store) PendingAt(ctx context.Context, email string) (_ []extranet.PersonGrant, err error) {
	defer errs.Wrap(&err, "extranetstore: read pending grants at an address")
	email, err = frtext.NormalizeEmail(email)
	if err != nil {
		return nil, nil
	}
	var out []extranet.PersonGrant
	rows, err := s.db.Read().Query(ctx, `SELECT `+grantCols+`, s.name FROM grants g JOIN schools s ON s.fase = g.fase
WHERE (g.state = 'pending' AND g.email = ?) OR (g.state = 'active' AND g.pending = 'modified' AND g.pending_email = ? AND g.email <> ?)
ORDER BY s.name, g.fase, g.school_year`, email, email, email)
	err = collect(rows, err, func(r *sql.Rows) error {
		var pg extranet.PersonGrant
		if err := r.Scan(append(grantDest(&pg.Grant), &pg.SchoolName)...); err != nil {
			return err
		}
		g := &pg.Grant
		g.GrantValues = g.Target()
		out = append(out, pg)
		return nil
	})
	return out, err
}
