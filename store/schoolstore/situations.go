package schoolstore

import (
	"context"
	"database/sql"
	"errors"

	"passerelle/internal/errs"
	"passerelle/store"
)

// DeleteSituation removes a situation of the school, and its member when
// the member has no other situation (in any school of the database).
func (s *Store) DeleteSituation(ctx context.Context, fase int, id int64) (err error) {
	defer errs.Wrap(&err, "schoolstore: delete situation %d of school %d", id, fase)
	return s.tx(ctx, func(tx *store.Tx) error {
		var member int64
		// The fase condition keeps one school from deleting another's
		// situation through a forged ID.
		err := tx.QueryRow(ctx, `SELECT member_id FROM situations WHERE id = ? AND fase = ?`, id, fase).Scan(&member)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("situation %d de l'école FASE %d", id, fase)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM situations WHERE id = ? AND fase = ?`, id, fase); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM members WHERE id = ? AND NOT EXISTS (SELECT 1 FROM situations WHERE member_id = ?)`, member, member)
		return err
	})
}
