package extranetstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/errs"
	"passerelle/store"
)

var _ extranet.PeopleStore = (*Store)(nil)

// SearchPeople implements extranet.PeopleStore. Each word of the query must
// match the login, an address (the account's or a grant's), the matricule
// or the folded names.
func (s *Store) SearchPeople(ctx context.Context, f extranet.AccountFilter) (_ []extranet.PersonRecord, err error) {
	defer errs.Wrap(&err, "extranetstore: search people")
	q := `SELECT ` + personCols + `, COALESCE(a.id, ''), COALESCE(a.login, ''), COALESCE(a.email, ''), COALESCE(a.state, ''),
COALESCE(a.disabled_by, ''),
(SELECT COUNT(*) FROM grants g WHERE g.person_id = p.id AND g.state = 'active'),
(SELECT COUNT(*) FROM grants g WHERE g.person_id = p.id AND g.state = 'pending'),
(SELECT COUNT(*) FROM grants g WHERE g.person_id = p.id AND g.state = 'deactivated'),
COALESCE((SELECT MIN(g.email) FROM grants g WHERE g.person_id = p.id), '')
FROM persons p LEFT JOIN accounts a ON a.person_id = p.id WHERE 1 = 1`
	var args []any
	for _, w := range strings.Fields(f.Query) {
		login := frtext.LoginPart(w)
		if login == "" {
			login = strings.ToLower(w)
		}
		lower := "%" + likeEscape(strings.ToLower(w)) + "%"
		q += ` AND (a.login LIKE ? ESCAPE '\' OR a.email LIKE ? ESCAPE '\' OR p.identity_key LIKE ? ESCAPE '\'
OR LOWER(p.last_name) LIKE ? ESCAPE '\' OR LOWER(p.first_name) LIKE ? ESCAPE '\' OR p.matricule = ?
OR EXISTS (SELECT 1 FROM grants g WHERE g.person_id = p.id AND g.email LIKE ? ESCAPE '\'))`
		args = append(args, "%"+likeEscape(login)+"%", lower, "%"+likeEscape(frtext.Fold(w))+"%", lower, lower, w, lower)
	}
	switch f.State {
	case "":
	case extranet.NoAccount:
		q += ` AND a.id IS NULL`
	default:
		q += ` AND a.state = ?`
		args = append(args, f.State)
	}
	q += ` ORDER BY p.last_name, p.first_name, p.id LIMIT ?`
	args = append(args, limit(f.Limit))
	var out []extranet.PersonRecord
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		var rec extranet.PersonRecord
		a := &rec.Account
		dest := append(personDest(&rec.Person), &a.ID, &a.Login, &a.Email, &a.State, &a.DisabledBy,
			&rec.Active, &rec.Pending, &rec.Deactivated, &rec.Email)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		if a.ID != "" {
			a.PersonID = rec.Person.ID
			rec.Email = a.Email
		}
		out = append(out, rec)
		return nil
	})
	slices.SortStableFunc(out, func(x, y extranet.PersonRecord) int {
		return frtext.CompareNames(x.Person.LastName, x.Person.FirstName, y.Person.LastName, y.Person.FirstName)
	})
	return out, err
}

// Operators implements extranet.PeopleStore.
func (s *Store) Operators(ctx context.Context) (_ []extranet.Operator, err error) {
	defer errs.Wrap(&err, "extranetstore: list operators")
	var out []extranet.Operator
	rows, err := s.db.Read().Query(ctx, `SELECT `+operatorCols+` FROM operators ORDER BY name, login`)
	err = collect(rows, err, func(r *sql.Rows) error {
		var o extranet.Operator
		if err := r.Scan(&o.ID, &o.Login, &o.Name, &o.PasswordHash, store.ScanTime(&o.CreatedAt)); err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	return out, err
}
