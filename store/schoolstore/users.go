package schoolstore

import (
	"context"
	"fmt"
	"strconv"

	"passerelle/internal/errs"
	"passerelle/school"
	"passerelle/store"
)

// Users lists the users by login.
func (s *Store) Users(ctx context.Context) (_ []school.User, err error) {
	defer errs.Wrap(&err, "schoolstore: list users")
	rows, err := s.db.Read().Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []school.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser changes a user's name and direction right. Taking the right
// from the last direction user is refused (school.ErrLastDirection); a user who
// loses it keeps their sessions, whose pages check the right at each
// request.
func (s *Store) UpdateUser(ctx context.Context, u school.User) (err error) {
	defer errs.Wrap(&err, "schoolstore: update user %d", u.ID)
	return s.tx(ctx, func(tx *store.Tx) error {
		if !u.Direction {
			if err := keepOneDirection(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE users SET name = ?, direction = ? WHERE id = ?`, u.Name, u.Direction, u.ID)
		if err != nil {
			return err
		}
		return oneRow(res, "utilisateur %d", u.ID)
	})
}

// DeleteUser removes a user with their sessions and preferences. Removing
// the last direction user is refused (school.ErrLastDirection).
func (s *Store) DeleteUser(ctx context.Context, id int64) (err error) {
	defer errs.Wrap(&err, "schoolstore: delete user %d", id)
	return s.tx(ctx, func(tx *store.Tx) error {
		if err := keepOneDirection(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_prefs WHERE user_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return oneRow(res, "utilisateur %d", id)
	})
}

// keepOneDirection refuses a change that takes the direction right from
// user id when no other user has it. The direction users are locked first
// (PostgreSQL), so that two such changes at once cannot both pass.
func keepOneDirection(ctx context.Context, tx *store.Tx, id int64) error {
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE direction = ?`+lock, true)
	if err != nil {
		return err
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var other int64
		if err := rows.Scan(&other); err != nil {
			return err
		}
		if other != id {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if others == 0 {
		return fmt.Errorf("schoolstore: user %d: %w", id, school.ErrLastDirection)
	}
	return nil
}
