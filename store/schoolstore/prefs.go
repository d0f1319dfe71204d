package schoolstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"passerelle/internal/errs"
	"passerelle/store"
	"passerelle/store/sqlsession"
)

// MaxPrefBytes bounds one preference value: a list's columns and sort take
// a few hundred bytes, so anything much larger is a mistake or an abuse.
const MaxPrefBytes = 4096

// Prefs keeps each school user's preferences, such as the columns and sort
// of the Situation école list, in the user_prefs table. Values are opaque
// text (the pages store JSON); keys name what they are for.
type Prefs struct {
	db *store.DB
	// Now stamps updated_at; nil means time.Now.
	Now func() time.Time
}

// UIStores returns what the school pages keep beside the staff in this
// store's database: the sign-in sessions and each user's preferences
// (stamped by now; nil means time.Now).
func (s *Store) UIStores(now func() time.Time) (*sqlsession.Store, *Prefs) {
	p := NewPrefs(s.db)
	p.Now = now
	return sqlsession.New(s.db), p
}

// NewPrefs returns the preferences kept in db, a school database.
func NewPrefs(db *store.DB) *Prefs { return &Prefs{db: db} }

// Prefs returns the preferences kept in the store's database.
func (s *Store) Prefs() *Prefs { return &Prefs{db: s.db, Now: s.Now} }

// Pref returns the user's value for key, and false when the user never saved
// one.
func (p *Prefs) Pref(ctx context.Context, userID int64, key string) (_ string, _ bool, err error) {
	defer errs.Wrap(&err, "schoolstore: read preference %q of user %d", key, userID)
	var v string
	err = p.db.Read().QueryRow(ctx, `SELECT value FROM user_prefs WHERE user_id = ? AND key = ?`, userID, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("préférence %q de l'utilisateur %d : %w", key, userID, err)
	}
	return v, true, nil
}

// SavePref stores the user's value for key, replacing the previous one.
func (p *Prefs) SavePref(ctx context.Context, userID int64, key, value string) (err error) {
	defer errs.Wrap(&err, "schoolstore: save preference %q of user %d", key, userID)
	if key == "" {
		return errs.New("préférence sans nom")
	}
	if len(value) > MaxPrefBytes {
		return errs.Errorf("préférence %q trop longue (%d octets, %d au plus)", key, len(value), MaxPrefBytes)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	return p.db.Tx(ctx, now(), func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO user_prefs (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			userID, key, value, tx.Now)
		return err
	})
}
