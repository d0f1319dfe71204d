// Package sqlsession keeps web sessions in a "sessions" table of the school
// or extranet database, so that sign-ins survive a restart and every process
// sharing a database sees the same sessions.
//
// Both stores create the table in their first migration:
//
//	CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,
//	    kind TEXT NOT NULL, csrf TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}',
//	    created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
//
// and PostgreSQL then moves created_at and expires_at to timestamptz (the
// instants are passed and scanned as the store package says).
package sqlsession

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"passerelle/internal/errs"
	"passerelle/store"
	"passerelle/web"
)

// Store implements web.SessionStore on a store.DB.
type Store struct{ db *store.DB }

// New returns a session store on db.
func New(db *store.DB) *Store { return &Store{db: db} }

var _ web.SessionStore = (*Store)(nil)

// CreateSession implements web.SessionStore.
func (s *Store) CreateSession(ctx context.Context, sess web.Session) (err error) {
	defer errs.Wrap(&err, "sqlsession: create session")
	data, err := json.Marshal(sess.Data)
	if err != nil {
		return err
	}
	if sess.Data == nil {
		data = []byte("{}")
	}
	// The sweep goes by the sessions' own clock (web.Sessions.Now, which
	// set Created), not the wall clock: with a clock of their own, sessions
	// created together must not sweep each other.
	now := sess.Created
	if now.IsZero() {
		now = time.Now()
	}
	return s.db.Tx(ctx, now, func(tx *store.Tx) error {
		// Expired sessions are swept here rather than by a timer, so that
		// the table stays small without another moving part.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, tx.Now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, kind, csrf, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sess.TokenHash, sess.UserID, sess.Kind, sess.CSRF, string(data), sess.Created, sess.Expires)
		return err
	})
}

// GetSession implements web.SessionStore.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (_ web.Session, err error) {
	defer errs.Wrap(&err, "sqlsession: read session")
	var sess web.Session
	var data string
	err = s.db.Read().QueryRow(ctx, `SELECT token_hash, user_id, kind, csrf, data, created_at, expires_at FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&sess.TokenHash, &sess.UserID, &sess.Kind, &sess.CSRF, &data, store.ScanTime(&sess.Created), store.ScanTime(&sess.Expires))
	if errors.Is(err, sql.ErrNoRows) {
		return web.Session{}, web.ErrNoSession
	}
	if err != nil {
		return web.Session{}, err
	}
	if err := json.Unmarshal([]byte(data), &sess.Data); err != nil {
		return web.Session{}, err
	}
	return sess, nil
}

// DeleteSession implements web.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) (err error) {
	defer errs.Wrap(&err, "sqlsession: delete session")
	_, err = s.db.Write().Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteUserSessions implements web.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (err error) {
	defer errs.Wrap(&err, "sqlsession: delete sessions of a user")
	_, err = s.db.Write().Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// DeleteKindSessions removes every session of a kind for the users given,
// for example every staff session of accounts just disabled.
func (s *Store) DeleteKindSessions(ctx context.Context, kind string, userIDs []string) (err error) {
	defer errs.Wrap(&err, "sqlsession: delete %s sessions of %d users", kind, len(userIDs))
	for _, id := range userIDs {
		if _, err := s.db.Write().Exec(ctx, `DELETE FROM sessions WHERE kind = ? AND user_id = ?`, kind, id); err != nil {
			return err
		}
	}
	return nil
}

// TouchSession implements web.SessionStore.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, expires time.Time) (err error) {
	defer errs.Wrap(&err, "sqlsession: extend session")
	_, err = s.db.Write().Exec(ctx, `UPDATE sessions SET expires_at = ? WHERE token_hash = ?`, expires, tokenHash)
	return err
}
