package extranetstore

// The portal's spaces' content (extranet.ContentStore and ContentTx).
// Table: migrations 010_space_content.sql.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

var (
	_ extranet.ContentStore = (*Store)(nil)
	_ extranet.ContentTx    = (*tx)(nil)
)

const itemCols = "id, space, fase, kind, title, body, url, position, updated_at, updated_by"

func itemDest(it *extranet.SpaceItem) []any {
	return []any{&it.ID, &it.Space, &it.FASE, &it.Kind, &it.Title, &it.Text, &it.URL, &it.Position, store.ScanTime(&it.UpdatedAt), &it.UpdatedBy}
}

// SpaceItems implements extranet.ContentStore.
func (s *Store) SpaceItems(ctx context.Context, space string, fases []int) (_ []extranet.SpaceItem, err error) {
	defer errs.Wrap(&err, "extranetstore: list space items of %d schools", len(fases))
	q := `SELECT ` + itemCols + ` FROM space_items WHERE 1 = 1`
	var args []any
	if space != "" {
		q += ` AND space = ?`
		args = append(args, space)
	}
	if fases != nil {
		marks := []string{"0"}
		for _, f := range fases {
			marks = append(marks, "?")
			args = append(args, f)
		}
		q += ` AND fase IN (` + strings.Join(marks, ", ") + `)`
	}
	q += ` ORDER BY CASE WHEN kind = ? THEN 0 ELSE 1 END, position, title, id`
	args = append(args, extranet.ItemNotice)
	var out []extranet.SpaceItem
	rows, err := s.db.Read().Query(ctx, q, args...)
	err = collect(rows, err, func(r *sql.Rows) error {
		var it extranet.SpaceItem
		if err := r.Scan(itemDest(&it)...); err != nil {
			return err
		}
		out = append(out, it)
		return nil
	})
	return out, err
}

// SpaceItem implements extranet.ContentStore.
func (s *Store) SpaceItem(ctx context.Context, id string) (_ extranet.SpaceItem, err error) {
	defer errs.Wrap(&err, "extranetstore: read space item %s", id)
	var it extranet.SpaceItem
	err = s.db.Read().QueryRow(ctx, `SELECT `+itemCols+` FROM space_items WHERE id = ?`, id).Scan(itemDest(&it)...)
	return it, notFound(err, fmt.Sprintf("contenu %q", id), extranet.ErrNotFound)
}

func (x *tx) SaveSpaceItem(ctx context.Context, it extranet.SpaceItem) (err error) {
	defer errs.Wrap(&err, "extranetstore: save space item %s", it.ID)
	_, err = x.t.Exec(ctx, `INSERT INTO space_items (`+itemCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET space = excluded.space, fase = excluded.fase, kind = excluded.kind, title = excluded.title,
body = excluded.body, url = excluded.url, position = excluded.position, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		it.ID, it.Space, it.FASE, it.Kind, it.Title, it.Text, it.URL, it.Position, it.UpdatedAt, it.UpdatedBy)
	return err
}

func (x *tx) DeleteSpaceItem(ctx context.Context, id string) (err error) {
	defer errs.Wrap(&err, "extranetstore: delete space item %s", id)
	res, err := x.t.Exec(ctx, `DELETE FROM space_items WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("contenu %q : %w", id, extranet.ErrNotFound)
	}
	return nil
}
