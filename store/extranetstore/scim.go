package extranetstore

// What SCIM 2.0 provisioning stores beside the grants (docs/scim.md): the
// identity provider's externalId and the deletion mark of each grant
// written through SCIM, in scim_users; the guard's count of recent
// deactivations; one entry's rejection.

import (
	"context"
	"database/sql"
	"time"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

var (
	_ extranet.SCIMStore = (*Store)(nil)
	_ extranet.SCIMTx    = (*tx)(nil)
)

// SCIMMeta implements extranet.SCIMStore.
func (s *Store) SCIMMeta(ctx context.Context, fase int) (_ map[string]extranet.SCIMMeta, err error) {
	defer errs.Wrap(&err, "extranetstore: read scim data of school %d", fase)
	return scimMeta(ctx, s.db.Read(), fase)
}

// SCIMMeta implements extranet.SCIMTx.
func (x *tx) SCIMMeta(ctx context.Context, fase int) (_ map[string]extranet.SCIMMeta, err error) {
	defer errs.Wrap(&err, "extranetstore: read scim data of school %d", fase)
	return scimMeta(ctx, x.t, fase)
}

func scimMeta(ctx context.Context, q store.Reader, fase int) (map[string]extranet.SCIMMeta, error) {
	out := map[string]extranet.SCIMMeta{}
	rows, err := q.Query(ctx, `SELECT grant_id, external_id, user_name, display_name, deleted_at FROM scim_users WHERE fase = ?`, fase)
	err = collect(rows, err, func(r *sql.Rows) error {
		var m extranet.SCIMMeta
		var id string
		if err := r.Scan(&id, &m.ExternalID, &m.UserName, &m.DisplayName, store.ScanTime(&m.DeletedAt)); err != nil {
			return err
		}
		out[id] = m
		return nil
	})
	return out, err
}

// SaveSCIMMeta implements extranet.SCIMTx.
func (x *tx) SaveSCIMMeta(ctx context.Context, fase int, grantID string, m extranet.SCIMMeta) (err error) {
	defer errs.Wrap(&err, "extranetstore: save scim data of grant %s", grantID)
	_, err = x.t.Exec(ctx, `INSERT INTO scim_users (grant_id, fase, external_id, user_name, display_name, deleted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (grant_id) DO UPDATE SET external_id = excluded.external_id, user_name = excluded.user_name,
display_name = excluded.display_name, deleted_at = excluded.deleted_at, updated_at = excluded.updated_at`,
		grantID, fase, m.ExternalID, m.UserName, m.DisplayName, m.DeletedAt, x.now())
	return err
}

// RecentDeactivations implements extranet.SCIMTx.
func (x *tx) RecentDeactivations(ctx context.Context, fase int, schoolYear string, since time.Time) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: count recent deactivations of school %d", fase)
	var n int
	err = x.t.QueryRow(ctx, `SELECT COUNT(*) FROM grants WHERE fase = ? AND school_year = ? AND state = 'deactivated'
AND end_reason = ? AND since > ?`, fase, schoolYear, extranet.EndRemoved, since).Scan(&n)
	return n, err
}

// SaveEntryRejection implements extranet.SCIMTx.
func (x *tx) SaveEntryRejection(ctx context.Context, fase int, schoolYear, transferID, email string, r *extranet.Rejection) (err error) {
	defer errs.Wrap(&err, "extranetstore: save scim rejection for school %d", fase)
	now := x.now()
	_, err = x.t.Exec(ctx, `UPDATE rejections SET resolved_at = ? WHERE fase = ? AND school_year = ? AND email = ? AND resolved_at IS NULL`,
		now, fase, schoolYear, email)
	if err != nil || r == nil {
		return err
	}
	row := []any{extranet.NewID(), fase, schoolYear, r.Key, r.LastName, r.FirstName, r.BirthDate, r.Matricule,
		r.Email, r.Role, r.Reason, transferID, now, now}
	suffix := ` ON CONFLICT (fase, school_year, entry_key) DO UPDATE SET last_name = excluded.last_name,
first_name = excluded.first_name, birth_date = excluded.birth_date, matricule = excluded.matricule, email = excluded.email,
role = excluded.role, reason = excluded.reason, transfer_id = excluded.transfer_id, last_seen = excluded.last_seen, resolved_at = NULL`
	return insertRows(ctx, x.t, "rejections", rejectionColumns, [][]any{row}, suffix)
}

// ConfirmDeactivations implements extranet.SCIMTx.
func (x *tx) ConfirmDeactivations(ctx context.Context, fase, maxCount int, actor string) (err error) {
	defer errs.Wrap(&err, "extranetstore: confirm deactivations of school %d", fase)
	_, err = x.t.Exec(ctx, `INSERT INTO scim_confirmations (id, fase, max_count, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?)`,
		extranet.NewID(), fase, maxCount, actor, x.now())
	return err
}

// ConfirmedDeactivations implements extranet.SCIMTx.
func (x *tx) ConfirmedDeactivations(ctx context.Context, fase int, since time.Time) (_ int, err error) {
	defer errs.Wrap(&err, "extranetstore: count confirmed deactivations of school %d", fase)
	var n int
	err = x.t.QueryRow(ctx, `SELECT COALESCE(MAX(max_count), 0) FROM scim_confirmations WHERE fase = ? AND confirmed_at > ?`,
		fase, since).Scan(&n)
	return n, err
}
