// Package schoolstore keeps the school side's data (school.Store) in SQLite or
// PostgreSQL, through package store. The PostgreSQL tables live in the schema
// "school", so that both sides may share one database.
//
// Public methods open one transaction each and call small helpers that take
// the transaction, so that operations compose (RecordTransfer writes the
// history and the completed roles together).
package schoolstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"passerelle/fwb"
	"passerelle/internal/errs"
	"passerelle/school"
	"passerelle/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the embedded migrations (migrations/<dialect>/*.sql),
// for readiness checks with store.DB.Pending.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the embedded folder is always there
	}
	return sub
}

// Ready returns nil when the database answers and holds exactly this
// version's migrations (store.DB.Ready): the pages' health check.
func (s *Store) Ready(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "schoolstore: check readiness")
	return s.db.Ready(ctx, Migrations())
}

// Schema is the PostgreSQL schema of the school side.
const Schema = "school"

// Store implements school.Store.
type Store struct {
	db *store.DB
	// Now is the clock of the transactions (users' creation time); tests
	// replace it.
	Now func() time.Time
}

var _ school.Store = (*Store)(nil)

// Open opens the database at url ("sqlite:PATH" or "postgres://…") and
// applies the migrations.
func Open(ctx context.Context, url string) (_ *Store, err error) {
	defer errs.Wrap(&err, "schoolstore: open")
	db, err := store.Open(ctx, url, Migrations(), store.Options{Schema: Schema})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, Now: time.Now}, nil
}

// DB returns the underlying database, for the session methods and health
// checks that live outside this package.
func (s *Store) DB() *store.DB { return s.db }

// Close closes the database.
func (s *Store) Close() (err error) {
	defer errs.Wrap(&err, "schoolstore: close")
	return s.db.Close()
}

func (s *Store) tx(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.db.Tx(ctx, s.Now(), fn)
}

// notFound wraps school.ErrNotFound with what was looked for.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s : %w", fmt.Sprintf(format, args...), school.ErrNotFound)
}

// SaveSchool creates the school or renames it.
func (s *Store) SaveSchool(ctx context.Context, sc school.School) (err error) {
	defer errs.Wrap(&err, "schoolstore: save school %d", sc.FASE)
	if sc.FASE <= 0 {
		return errs.Errorf("numéro FASE %d invalide : donnez le numéro FASE de l'établissement (un entier positif)", sc.FASE)
	}
	name := strings.TrimSpace(sc.Name)
	return s.tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO schools (fase, name) VALUES (?, ?)
			ON CONFLICT (fase) DO UPDATE SET name = excluded.name`, sc.FASE, name)
		return err
	})
}

// School returns one school.
func (s *Store) School(ctx context.Context, fase int) (_ school.School, err error) {
	defer errs.Wrap(&err, "schoolstore: read school %d", fase)
	sc := school.School{FASE: fase}
	err = s.db.Read().QueryRow(ctx, `SELECT name FROM schools WHERE fase = ?`, fase).Scan(&sc.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return school.School{}, notFound("école FASE %d", fase)
	}
	return sc, err
}

// Schools returns every school, by FASE.
func (s *Store) Schools(ctx context.Context) (_ []school.School, err error) {
	defer errs.Wrap(&err, "schoolstore: list schools")
	rows, err := s.db.Read().Query(ctx, `SELECT fase, name FROM schools ORDER BY fase`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []school.School
	for rows.Next() {
		var sc school.School
		if err := rows.Scan(&sc.FASE, &sc.Name); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

const rowColumns = `m.id, m.last_name, m.first_name, m.birth_date, m.sex, m.niss, m.matricule,
	m.school_email, m.private_email,
	s.id, s.fase, s.start_date, s.end_date, s.present, s.active, s.status, s.function,
	s.promotion, s.charge, s.role`

const rowFrom = ` FROM situations s JOIN members m ON m.id = s.member_id`

// Rows returns every situation of the school with its member.
func (s *Store) Rows(ctx context.Context, fase int) (_ []school.Row, err error) {
	defer errs.Wrap(&err, "schoolstore: read rows of school %d", fase)
	if err := s.schoolExists(ctx, s.db.Read(), fase); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, `SELECT `+rowColumns+rowFrom+` WHERE s.fase = ? ORDER BY s.id`, fase)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []school.Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Row returns one situation of the school with its member.
func (s *Store) Row(ctx context.Context, fase int, situationID int64) (_ school.Row, err error) {
	defer errs.Wrap(&err, "schoolstore: read situation %d of school %d", situationID, fase)
	return getRow(ctx, s.db.Read(), fase, situationID)
}

func getRow(ctx context.Context, q store.Reader, fase int, situationID int64) (school.Row, error) {
	r, err := scanRow(q.QueryRow(ctx, `SELECT `+rowColumns+rowFrom+` WHERE s.fase = ? AND s.id = ?`, fase, situationID))
	if errors.Is(err, sql.ErrNoRows) {
		return school.Row{}, notFound("situation %d de l'école FASE %d", situationID, fase)
	}
	return r, err
}

func (s *Store) schoolExists(ctx context.Context, q store.Reader, fase int) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM schools WHERE fase = ?`, fase).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound("école FASE %d", fase)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner) (school.Row, error) {
	var r school.Row
	m, st := &r.Member, &r.Situation
	var charge, role string
	var sex int
	err := sc.Scan(&m.ID, &m.LastName, &m.FirstName, store.ScanDate(&m.BirthDate), &sex, &m.NISS, &m.Matricule,
		&m.SchoolEmail, &m.PrivateEmail,
		&st.ID, &st.FASE, store.ScanDate(&st.Start), store.ScanDate(&st.End), &st.Present, &st.Active, &st.Status, &st.Function,
		&st.Promotion, &charge, &role)
	if err != nil {
		return school.Row{}, err
	}
	st.MemberID = m.ID
	m.Sex = fwb.Sex(sex)
	st.Role = fwb.Role(role)
	if st.Charge, err = decodeCharge(charge); err != nil {
		return school.Row{}, fmt.Errorf("situation %d : charge %q illisible : %w", st.ID, charge, err)
	}
	return r, nil
}

// The charge is stored as JSON rather than in its text form: the text form
// is read back against the function table, and a code the table has since
// lost must not make a stored row unreadable.
func encodeCharge(lines []fwb.ChargeLine) (string, error) {
	if len(lines) == 0 {
		return "", nil
	}
	b, err := json.Marshal(lines)
	return string(b), err
}

func decodeCharge(s string) ([]fwb.ChargeLine, error) {
	if s == "" {
		return nil, nil
	}
	var lines []fwb.ChargeLine
	err := json.Unmarshal([]byte(s), &lines)
	return lines, err
}

// SaveRows inserts or updates each row's member and situation, all in one
// transaction: when one row fails, nothing is saved.
func (s *Store) SaveRows(ctx context.Context, fase int, rows []school.Row) (_ []school.Row, err error) {
	defer errs.Wrap(&err, "schoolstore: save %d rows of school %d", len(rows), fase)
	return s.SaveRowsProgress(ctx, fase, rows, nil)
}

// SaveRowsProgress is SaveRows that calls progress (when not nil) after each
// row, inside the transaction, so that a large import can show how far it
// is without giving up all-or-nothing.
func (s *Store) SaveRowsProgress(ctx context.Context, fase int, rows []school.Row, progress func(done, total int)) (_ []school.Row, err error) {
	defer errs.Wrap(&err, "schoolstore: save %d rows of school %d", len(rows), fase)
	out := slices.Clone(rows)
	err = s.tx(ctx, func(tx *store.Tx) error {
		if err := s.schoolExists(ctx, tx, fase); err != nil {
			return err
		}
		for i := range out {
			if err := saveRow(ctx, tx, fase, &out[i]); err != nil {
				return fmt.Errorf("%s : %w", rowName(out[i]), err)
			}
			if progress != nil {
				progress(i+1, len(out))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func rowName(r school.Row) string {
	if n := r.DisplayName(); n != "" {
		return n
	}
	return fmt.Sprintf("situation %d", r.Situation.ID)
}

func saveRow(ctx context.Context, tx *store.Tx, fase int, r *school.Row) error {
	m, st := &r.Member, &r.Situation
	if st.FASE != 0 && st.FASE != fase {
		return fmt.Errorf("situation de l'école FASE %d enregistrée pour l'école %d", st.FASE, fase)
	}
	st.FASE = fase
	if m.ID == 0 && st.MemberID != 0 {
		m.ID = st.MemberID
	}
	memberArgs := []any{m.LastName, m.FirstName, store.Date(m.BirthDate), int(m.Sex), m.NISS, m.Matricule, m.SchoolEmail, m.PrivateEmail}
	if m.ID == 0 {
		err := tx.QueryRow(ctx, `INSERT INTO members (last_name, first_name, birth_date, sex, niss, matricule, school_email, private_email)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, memberArgs...).Scan(&m.ID)
		if err != nil {
			return err
		}
	} else {
		res, err := tx.Exec(ctx, `UPDATE members SET last_name = ?, first_name = ?, birth_date = ?, sex = ?, niss = ?,
			matricule = ?, school_email = ?, private_email = ? WHERE id = ?`, append(memberArgs, m.ID)...)
		if err != nil {
			return err
		}
		if err := oneRow(res, "membre %d", m.ID); err != nil {
			return err
		}
	}
	if st.MemberID != 0 && st.MemberID != m.ID {
		return fmt.Errorf("la situation %d appartient au membre %d, pas au membre %d", st.ID, st.MemberID, m.ID)
	}
	st.MemberID = m.ID
	charge, err := encodeCharge(st.Charge)
	if err != nil {
		return err
	}
	status := st.Status
	if status == "" {
		status = fwb.NoSituation
	}
	args := []any{st.MemberID, fase, store.Date(st.Start), store.Date(st.End), st.Present, st.Active,
		status, st.Function, st.Promotion, charge, string(st.Role)}
	if st.ID == 0 {
		return tx.QueryRow(ctx, `INSERT INTO situations (member_id, fase, start_date, end_date, present, active, status, function, promotion, charge, role)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&st.ID)
	}
	// The fase condition keeps one school from rewriting another's
	// situation through a forged ID.
	res, err := tx.Exec(ctx, `UPDATE situations SET member_id = ?, fase = ?, start_date = ?, end_date = ?, present = ?, active = ?,
		status = ?, function = ?, promotion = ?, charge = ?, role = ? WHERE id = ? AND fase = ?`, append(args, st.ID, fase)...)
	if err != nil {
		return err
	}
	return oneRow(res, "situation %d de l'école FASE %d", st.ID, fase)
}

func oneRow(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}

// Settings returns the school's extranet settings; a school that never saved
// any gets the defaults.
func (s *Store) Settings(ctx context.Context, fase int) (_ school.Settings, err error) {
	defer errs.Wrap(&err, "schoolstore: read settings of school %d", fase)
	q := s.db.Read()
	if err := s.schoolExists(ctx, q, fase); err != nil {
		return school.Settings{}, err
	}
	set := school.Settings{FASE: fase, AutoDays: slices.Clone(school.DefaultAutoDays), AutoHour: school.DefaultAutoHour}
	var days string
	err = q.QueryRow(ctx, `SELECT extranet_url, token, auto, auto_consent_by, auto_consent_at, auto_days, auto_hour
		FROM settings WHERE fase = ?`, fase).Scan(&set.ExtranetURL, &set.Token, &set.Auto, &set.AutoConsentBy, store.ScanTime(&set.AutoConsentAt), &days, &set.AutoHour)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	}
	if err != nil {
		return school.Settings{}, err
	}
	if set.AutoDays, err = decodeDays(days); err != nil {
		return school.Settings{}, fmt.Errorf("paramètres de l'école %d : jours illisibles : %w", fase, err)
	}
	return set, nil
}

// SaveSettings stores the settings. Empty AutoDays are stored as such and
// read back as the default days.
func (s *Store) SaveSettings(ctx context.Context, set school.Settings) (err error) {
	defer errs.Wrap(&err, "schoolstore: save settings of school %d", set.FASE)
	if set.AutoHour < 0 || set.AutoHour > 23 {
		return errs.Errorf("heure du transfert automatique %d invalide : choisissez une heure de 0 à 23", set.AutoHour)
	}
	return s.tx(ctx, func(tx *store.Tx) error {
		if err := s.schoolExists(ctx, tx, set.FASE); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO settings (fase, extranet_url, token, auto, auto_consent_by, auto_consent_at, auto_days, auto_hour)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (fase) DO UPDATE SET extranet_url = excluded.extranet_url, token = excluded.token, auto = excluded.auto,
				auto_consent_by = excluded.auto_consent_by, auto_consent_at = excluded.auto_consent_at,
				auto_days = excluded.auto_days, auto_hour = excluded.auto_hour`,
			set.FASE, set.ExtranetURL, set.Token, set.Auto, set.AutoConsentBy, set.AutoConsentAt,
			encodeDays(set.AutoDays), set.AutoHour)
		return err
	})
}

// Days are stored as "1,3,5" (time.Weekday numbers, Sunday 0).
func encodeDays(days []time.Weekday) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(int(d))
	}
	return strings.Join(parts, ",")
}

func decodeDays(s string) ([]time.Weekday, error) {
	if s == "" {
		return slices.Clone(school.DefaultAutoDays), nil
	}
	var out []time.Weekday
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 6 {
			return nil, fmt.Errorf("jour %q", p)
		}
		out = append(out, time.Weekday(n))
	}
	return out, nil
}

// RecordTransfer stores a history entry and, in the same transaction, the
// completed roles. Completions are written only for a transfer the extranet
// applied (not a dry run, outcome done or unchanged), whatever the caller
// passes, so that a preview never changes a fiche.
func (s *Store) RecordTransfer(ctx context.Context, rec school.TransferRecord, completions []school.RoleCompletion) (_ school.TransferRecord, err error) {
	defer errs.Wrap(&err, "schoolstore: record transfer of school %d", rec.FASE)
	if rec.At.IsZero() {
		rec.At = s.Now()
	}
	messages, err := json.Marshal(nonNil(rec.Messages))
	if err != nil {
		return school.TransferRecord{}, err
	}
	applied := !rec.DryRun && (rec.Outcome == school.OutcomeDone || rec.Outcome == school.OutcomeNoChange)
	err = s.tx(ctx, func(tx *store.Tx) error {
		if err := s.schoolExists(ctx, tx, rec.FASE); err != nil {
			return err
		}
		c := rec.Counts
		err := tx.QueryRow(ctx, `INSERT INTO transfers (fase, at, by_name, dry_run, outcome, school_year,
				completed, errors, created, modified, deactivated, unchanged, rejected,
				messages, error, extranet_id, idempotency_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			rec.FASE, rec.At, rec.By, rec.DryRun, string(rec.Outcome), rec.SchoolYear,
			c.Completed, c.Errors, c.Created, c.Modified, c.Deactivated, c.Unchanged, c.Rejected,
			string(messages), rec.Error, rec.ExtranetID, rec.IdempotencyKey).Scan(&rec.ID)
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
		for _, rc := range completions {
			if !rc.Role.Valid() || rc.Role == fwb.RoleNone {
				return fmt.Errorf("rôle complété %q invalide pour la situation %d", rc.Role, rc.SituationID)
			}
			// Only an empty role is completed: a role encoded by someone
			// while the transfer ran is theirs and stays.
			if _, err := tx.Exec(ctx, `UPDATE situations SET role = ? WHERE id = ? AND fase = ? AND role = ''`, string(rc.Role), rc.SituationID, rec.FASE); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return school.TransferRecord{}, err
	}
	rec.At = rec.At.UTC().Truncate(time.Microsecond)
	return rec, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const transferColumns = `id, fase, at, by_name, dry_run, outcome, school_year,
	completed, errors, created, modified, deactivated, unchanged, rejected,
	messages, error, extranet_id, idempotency_key, seen_by, seen_at`

// Transfers returns the school's history, newest first; limit ≤ 0 means all.
func (s *Store) Transfers(ctx context.Context, fase int, limit int) (_ []school.TransferRecord, err error) {
	defer errs.Wrap(&err, "schoolstore: list transfers of school %d", fase)
	q := s.db.Read()
	if err := s.schoolExists(ctx, q, fase); err != nil {
		return nil, err
	}
	query := `SELECT ` + transferColumns + ` FROM transfers WHERE fase = ? ORDER BY at DESC, id DESC`
	args := []any{fase}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []school.TransferRecord
	for rows.Next() {
		rec, err := scanTransfer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// Transfer returns one history entry of the school.
func (s *Store) Transfer(ctx context.Context, fase int, id int64) (_ school.TransferRecord, err error) {
	defer errs.Wrap(&err, "schoolstore: read transfer %d of school %d", id, fase)
	rec, err := scanTransfer(s.db.Read().QueryRow(ctx, `SELECT `+transferColumns+` FROM transfers WHERE fase = ? AND id = ?`, fase, id))
	if errors.Is(err, sql.ErrNoRows) {
		return school.TransferRecord{}, notFound("transfert %d de l'école FASE %d", id, fase)
	}
	return rec, err
}

func scanTransfer(sc scanner) (school.TransferRecord, error) {
	var rec school.TransferRecord
	var outcome, messages string
	c := &rec.Counts
	err := sc.Scan(&rec.ID, &rec.FASE, store.ScanTime(&rec.At), &rec.By, &rec.DryRun, &outcome, &rec.SchoolYear,
		&c.Completed, &c.Errors, &c.Created, &c.Modified, &c.Deactivated, &c.Unchanged, &c.Rejected,
		&messages, &rec.Error, &rec.ExtranetID, &rec.IdempotencyKey, &rec.SeenBy, store.ScanTime(&rec.SeenAt))
	if err != nil {
		return school.TransferRecord{}, err
	}
	rec.Outcome = school.TransferOutcome(outcome)
	if err := json.Unmarshal([]byte(messages), &rec.Messages); err != nil {
		return school.TransferRecord{}, fmt.Errorf("transfert %d : messages illisibles : %w", rec.ID, err)
	}
	return rec, nil
}

// MarkTransferSeen records the first opening of a transfer's messages.
func (s *Store) MarkTransferSeen(ctx context.Context, fase int, id int64, by string) (err error) {
	defer errs.Wrap(&err, "schoolstore: mark transfer %d of school %d seen", id, fase)
	return s.tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE transfers SET seen_by = ?, seen_at = ? WHERE fase = ? AND id = ? AND seen_at IS NULL`,
			by, s.Now(), fase, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM transfers WHERE fase = ? AND id = ?`, fase, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("transfert %d de l'école FASE %d", id, fase)
		}
		return err
	})
}

// normalizeLogin makes logins case-insensitive: people type "Direction" as
// often as "direction".
func normalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// CreateUser stores a new user; the login is kept in lower case and must be
// unused.
func (s *Store) CreateUser(ctx context.Context, u school.User) (_ school.User, err error) {
	defer errs.Wrap(&err, "schoolstore: create user")
	u.Login = normalizeLogin(u.Login)
	if u.Login == "" {
		return school.User{}, errs.New("identifiant vide : choisissez un identifiant, par exemple « direction »")
	}
	if u.PasswordHash == "" {
		return school.User{}, errs.New("mot de passe manquant : l'utilisateur doit en avoir un")
	}
	err = s.tx(ctx, func(tx *store.Tx) error {
		if u.Created.IsZero() {
			u.Created = tx.Now
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE login = ?`, u.Login).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return loginTaken(u.Login)
		}
		err := tx.QueryRow(ctx, `INSERT INTO users (login, name, password_hash, direction, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			u.Login, u.Name, u.PasswordHash, u.Direction, u.Created).Scan(&u.ID)
		if err != nil && isUniqueViolation(err) {
			// Another process took the login between the check and the
			// insert (PostgreSQL; SQLite writers are serialised).
			return loginTaken(u.Login)
		}
		return err
	})
	if err != nil {
		return school.User{}, err
	}
	u.Created = u.Created.UTC().Truncate(time.Microsecond)
	return u, nil
}

func loginTaken(login string) error {
	return fmt.Errorf("l'identifiant « %s » est déjà utilisé : choisissez-en un autre : %w", login, school.ErrLoginTaken)
}

func isUniqueViolation(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unique") || strings.Contains(msg, "23505")
}

const userColumns = `id, login, name, password_hash, direction, created_at`

// UserByLogin finds a user by login, in any case.
func (s *Store) UserByLogin(ctx context.Context, login string) (_ school.User, err error) {
	defer errs.Wrap(&err, "schoolstore: find user by login")
	login = normalizeLogin(login)
	u, err := scanUser(s.db.Read().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return school.User{}, notFound("utilisateur « %s »", login)
	}
	return u, err
}

// UserByID finds a user by ID.
func (s *Store) UserByID(ctx context.Context, id int64) (_ school.User, err error) {
	defer errs.Wrap(&err, "schoolstore: read user %d", id)
	u, err := scanUser(s.db.Read().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return school.User{}, notFound("utilisateur %d", id)
	}
	return u, err
}

// SetPassword replaces a user's password hash and ends every session of
// that user, so that a changed password shuts out whoever had the old one.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string) (err error) {
	defer errs.Wrap(&err, "schoolstore: set password of user %d", id)
	return s.tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return err
		}
		if err := oneRow(res, "utilisateur %d", id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, strconv.FormatInt(id, 10))
		return err
	})
}

func scanUser(sc scanner) (school.User, error) {
	var u school.User
	if err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.PasswordHash, &u.Direction, store.ScanTime(&u.Created)); err != nil {
		return school.User{}, err
	}
	return u, nil
}
