// Package extranetstore stores the extranet (package extranet) in SQLite or
// PostgreSQL. It implements extranet.Store and extranet.Directory with SQL
// that both engines accept, written once; only the migrations and a few
// locking clauses differ by dialect.
//
// Statements are written for few round trips: a transfer reads the school's
// grants with their persons in one query and the snapshot's candidate
// persons in another, and writes new rows with one multi-row statement per
// table (on PostgreSQL an INSERT … SELECT FROM unnest of arrays, whose text
// does not depend on the number of rows and so stays in the statement cache).
package extranetstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"passerelle/extranet"
	"passerelle/internal/errs"
	"passerelle/store"
)

//go:embed migrations
var migrationFiles embed.FS

// migrations holds <dialect>/NNN_name.sql.
var migrations, _ = fs.Sub(migrationFiles, "migrations")

// Schema is the PostgreSQL schema of the extranet's tables, so that the
// school side and the extranet may share one database.
const Schema = "extranet"

// Store is the extranet's database.
type Store struct {
	db *store.DB

	// Statistics upkeep (both engines), by looked-up table; see
	// analyzeIfGrown.
	inserted    [len(analyzed)]atomic.Int64 // rows inserted since Open
	nextAnalyze [len(analyzed)]atomic.Int64 // analyze once inserted reaches it
	analyzing   atomic.Bool
}

var (
	_ extranet.Store     = (*Store)(nil)
	_ extranet.Directory = (*Store)(nil)
)

// Open opens "sqlite:PATH" or "postgres://…" and applies the pending
// migrations.
func Open(ctx context.Context, url string) (_ *Store, err error) {
	defer errs.Wrap(&err, "extranetstore: open")
	db, err := store.Open(ctx, url, migrations, store.Options{Schema: Schema})
	if err != nil {
		return nil, err
	}
	st := &Store{db: db}
	for i := range st.nextAnalyze {
		st.nextAnalyze[i].Store(firstAnalyze)
	}
	return st, nil
}

// DB returns the underlying database, for the session and operator methods
// written elsewhere.
func (s *Store) DB() *store.DB { return s.db }

// Close closes the database.
func (s *Store) Close() (err error) {
	defer errs.Wrap(&err, "extranetstore: close")
	return s.db.Close()
}

// Ready returns nil when the database answers and holds exactly this
// version's migrations (store.DB.Ready).
func (s *Store) Ready(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "extranetstore: check readiness")
	return s.db.Ready(ctx, migrations)
}

// maxAttempts bounds the retries of a transaction that lost a race.
const maxAttempts = 5

// Update implements extranet.Store. On PostgreSQL, a transaction chosen as
// a deadlock victim, failing serialisation, or losing a race to insert the
// same person (unique violation) is run again from the start, after a short
// random pause; SQLite has a single writer and needs none of this.
//
// fn's error comes back as fn returned it (errs.Keep): it is the caller's
// own, and the store's methods it called have named theirs. A failure of the
// transaction itself (begin, commit) is named "extranetstore: run
// transaction".
func (s *Store) Update(ctx context.Context, now time.Time, fn func(extranet.Tx) error) (err error) {
	defer errs.Wrap(&err, "extranetstore: run transaction")
	for attempt := 1; ; attempt++ {
		var x *tx
		err := s.db.Tx(ctx, now, func(t *store.Tx) error {
			x = &tx{t: t, d: s.db.Dialect}
			return errs.Keep(fn(x))
		})
		if err == nil {
			s.analyzeIfGrown(x.inserted)
		}
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		pause := time.Duration(attempt)*5*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// retryable reports the PostgreSQL errors that a new attempt may avoid.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"23505": // unique_violation: another transaction created the row first
		return true
	}
	return false
}

// Statistics upkeep. A transfer finds its people with "col = ANY(array)"
// lookups; PostgreSQL turns them into index probes only when its statistics
// say the column is selective. Without statistics it assumes each value
// matches 0.5 % of the table, so 70 values look like a third of it and it
// scans the whole table. Autovacuum gathers statistics at most once a
// minute, while an initial load of 1,200 schools multiplies the tables many
// times over within that minute: the store therefore runs ANALYZE itself
// on a looked-up table each time the rows it inserted into it double.
// Selective columns are recorded as "all distinct" (a fraction), which
// stays true as the tables grow, so a few runs suffice; each samples a
// bounded number of rows and takes well under a second. A table is
// analysed only when it grew: a night run, which inserts accounts, no
// longer reads the persons and grants again each time (on SQLite, whole:
// a tenth of its time at network scale, docs/benchmarks.md).
const firstAnalyze = 500

// table numbers a looked-up table in analyzed.
type table int

const (
	tablePersons table = iota
	tableGrants
	tableAccounts
)

// analyzed are the tables whose statistics matter to the lookups, and the
// columns the lookups use: statistics on these alone cost a third of a
// whole ANALYZE of the three tables (0.2 s instead of 0.6 s at 80,000
// grants; docs/benchmarks.md).
var analyzed = [...]struct{ name, columns string }{
	tablePersons:  {"persons", "matricule, identity_key"},
	tableGrants:   {"grants", "fase, school_year, person_id, email, pending_email, pending, state"},
	tableAccounts: {"accounts", "person_id, login_base, email, state"},
}

// analyzeStatements are the statements that analyse the tables whose due
// flag is set. On SQLite, which has no statistics at all until ANALYZE
// (without them it chose the state index to find a person's active grants,
// and the night run's last step took time quadratic in the number of
// accounts: 6.5 s at 100 schools, 0.8 s with statistics), ANALYZE reads the
// table whole, a few tens of milliseconds at network scale. On PostgreSQL,
// the looked-up columns only, with the store's sample.
func analyzeStatements(d store.Dialect, due [len(analyzed)]bool) []string {
	var parts []string
	for i, t := range analyzed {
		if !due[i] {
			continue
		}
		if d == store.Postgres {
			parts = append(parts, t.name+" ("+t.columns+")")
		} else {
			parts = append(parts, "ANALYZE "+t.name)
		}
	}
	if d == store.Postgres {
		return []string{"SET LOCAL default_statistics_target = " + strconv.Itoa(analyzeSample), "ANALYZE " + strings.Join(parts, ", ")}
	}
	return parts
}

// analyzeSample is the statistics target of the store's own ANALYZE runs
// (PostgreSQL's default is 100): ANALYZE samples 300 rows per unit of
// target. The lookups only need to know that the looked-up columns are
// selective, which a sample of 3,000 rows tells as well as one of 30,000;
// at network scale an ANALYZE then takes about 40 ms instead of 300 ms, and
// the initial load ran nine of them (docs/benchmarks.md).
const analyzeSample = 10

// runAnalyze runs stmts in one transaction on the writer.
func runAnalyze(ctx context.Context, db *sql.DB, stmts []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// analyzeIfGrown adds the rows a transaction inserted into each looked-up
// table, and analyses in the background the tables whose rows doubled.
func (s *Store) analyzeIfGrown(added [len(analyzed)]int64) {
	grew := false
	for i, n := range added {
		if n > 0 {
			s.inserted[i].Add(n)
			grew = true
		}
	}
	if grew {
		s.analyzeDue()
	}
}

// analyzeDue starts one background run that analyses every table due, if
// none is running; the run looks again when it ends, so that a table that
// fell due meanwhile is not left waiting for its next insert.
func (s *Store) analyzeDue() {
	if !s.anyDue() || !s.analyzing.CompareAndSwap(false, true) {
		return
	}
	var due [len(analyzed)]bool
	for i := range due {
		if n := s.inserted[i].Load(); n >= s.nextAnalyze[i].Load() {
			due[i] = true
			s.nextAnalyze[i].Store(2 * n)
		}
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		// A failure only leaves the statistics as autovacuum keeps them.
		if runAnalyze(ctx, s.db.W, analyzeStatements(s.db.Dialect, due)) == nil {
			s.db.Committed()
			s.db.Replan()
		}
		cancel()
		s.analyzing.Store(false)
		s.analyzeDue()
	}()
}

// anyDue tells whether a table's rows reached its next analysis.
func (s *Store) anyDue() bool {
	for i := range s.inserted {
		if s.inserted[i].Load() >= s.nextAnalyze[i].Load() {
			return true
		}
	}
	return false
}

// tx implements extranet.Tx.
type tx struct {
	t *store.Tx
	d store.Dialect
	// inserted counts the rows this transaction inserted into each
	// looked-up table.
	inserted [len(analyzed)]int64
}

func (x *tx) Now() time.Time { return x.t.Now }

func (x *tx) now() time.Time { return x.t.Now }

// pg tells whether the transaction runs on PostgreSQL.
func (x *tx) pg() bool { return x.d == store.Postgres }

// forUpdate returns a row-locking clause on PostgreSQL; SQLite's single
// writer already serialises write transactions.
func forUpdate(d store.Dialect, clause string) string {
	if d == store.Postgres {
		return " " + clause
	}
	return ""
}

// sqliteChunk bounds the values of one SQLite IN list, well under its limit
// of bound parameters.
const sqliteChunk = 500

// inList returns a condition "col is one of vals" and its arguments: on
// PostgreSQL "col = ANY(?)" with one array, on SQLite "col IN (SELECT value
// FROM json_each(?))" with one JSON array, which SQLite probes the index
// with as it does an IN list. Either way the statement's text does not
// depend on the number of values: SQLite parses it anew for each call, and
// a list of 70 placeholders, five in a transfer's look-ups, cost more to
// parse than to run. vals must not be empty and, on SQLite, hold at most
// sqliteChunk values. The columns compared are text.
func inList(d store.Dialect, col string, vals []string) (string, []any) {
	if d == store.Postgres {
		return col + " = ANY(?)", []any{vals}
	}
	b, _ := json.Marshal(vals)
	return col + " IN (SELECT value FROM json_each(?))", []any{string(b)}
}

// chunks calls fn with vals cut in pieces that inList accepts: one piece on
// PostgreSQL, sqliteChunk values at most on SQLite.
func chunks(d store.Dialect, vals []string, fn func(part []string) error) error {
	if len(vals) == 0 {
		return nil
	}
	if d == store.Postgres {
		return fn(vals)
	}
	for start := 0; start < len(vals); start += sqliteChunk {
		if err := fn(vals[start:min(start+sqliteChunk, len(vals))]); err != nil {
			return err
		}
	}
	return nil
}

// Column kinds of a multi-row insert. The rows hold Go values as single-row
// statements take them (store's package doc): a time.Time for colTime, a
// "YYYY-MM-DD" string ("" for none) for colDate, a bool for colBool.
const (
	colText     = iota
	colInt      // INTEGER
	colNullText // TEXT stored as NULL when empty
	colTime     // timestamptz on PostgreSQL, store.TimeLayout text on SQLite; NULL for the zero time
	colDate     // date on PostgreSQL, store.DateLayout text on SQLite; NULL for ""
	colBool     // boolean on PostgreSQL, 0/1 on SQLite
)

type column struct {
	name string
	kind int
}

// copyMinRows is the fewest rows insertRows copies (COPY) rather than
// inserts: COPY first asks PostgreSQL for the columns' types, a round trip
// that a few rows do not repay.
const copyMinRows = 16

// copiedRows counts the rows insertRows wrote with COPY, for the tests.
var copiedRows atomic.Int64

// copier is a transaction that can COPY (store.Tx on PostgreSQL).
type copier interface {
	CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error)
}

// insertRows inserts rows (each with one value per column, in order) with
// as few statements as possible; suffix is appended (e.g. ON CONFLICT …).
// On PostgreSQL it is a COPY when there are copyMinRows rows or more and no
// suffix, else one INSERT … SELECT FROM unnest(text arrays), casting in the
// SELECT; on SQLite, multi-row VALUES in chunks.
func insertRows(ctx context.Context, q store.Querier, table string, cols []column, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	if c, ok := q.(copier); ok && q.Dialect() == store.Postgres && suffix == "" && len(rows) >= copyMinRows {
		if vals, ok := copyValues(cols, rows); ok {
			n, err := c.CopyFrom(ctx, table, names, vals)
			copiedRows.Add(n)
			return err
		}
	}
	if q.Dialect() == store.Postgres {
		query, args := pgInsert(table, cols, rows, suffix)
		_, err := q.Exec(ctx, query, args...)
		return err
	}
	head := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") "
	one := make([]string, len(cols))
	for i, c := range cols {
		one[i] = "?"
		if c.kind == colNullText || c.kind == colDate {
			one[i] = "NULLIF(?, '')"
		}
	}
	return valuesChunks(rows, "("+strings.Join(one, ", ")+")", func(values string, args []any) error {
		_, err := q.Exec(ctx, head+"VALUES "+values+suffix, args...)
		return err
	})
}

// updateRows rewrites rows of table by their key, the first of cols (a
// text "id"), with the values of the other columns, in as few statements as
// possible: on PostgreSQL one UPDATE … FROM unnest(text arrays), on SQLite
// UPDATE … FROM (VALUES …) in chunks. When a key comes twice, its last row
// wins, as it would row after row.
func updateRows(ctx context.Context, q store.Querier, table string, cols []column, rows [][]any) error {
	rows = lastByKey(rows)
	if len(rows) == 0 {
		return nil
	}
	sets := make([]string, 0, len(cols)-1)
	if q.Dialect() == store.Postgres {
		arrays := make([]any, len(cols))
		params := make([]string, len(cols))
		aliases := make([]string, len(cols))
		for i, c := range cols {
			vals := make([]string, len(rows))
			for r, row := range rows {
				vals[r] = pgText(row[i])
			}
			arrays[i], params[i], aliases[i] = vals, "?::text[]", "c"+strconv.Itoa(i)
			if i > 0 {
				sets = append(sets, c.name+" = "+castExpr(store.Postgres, c, "u."+aliases[i]))
			}
		}
		query := "UPDATE " + table + " SET " + strings.Join(sets, ", ") + " FROM unnest(" + strings.Join(params, ", ") +
			") AS u(" + strings.Join(aliases, ", ") + ") WHERE " + table + "." + cols[0].name + " = u.c0"
		_, err := q.Exec(ctx, query, arrays...)
		return err
	}
	for i, c := range cols {
		if i > 0 {
			sets = append(sets, c.name+" = "+castExpr(store.SQLite, c, "u.column"+strconv.Itoa(i+1)))
		}
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return valuesChunks(rows, tuple, func(values string, args []any) error {
		_, err := q.Exec(ctx, "UPDATE "+table+" SET "+strings.Join(sets, ", ")+" FROM (VALUES "+values+
			") AS u WHERE "+table+"."+cols[0].name+" = u.column1", args...)
		return err
	})
}

// castExpr is the value of column c from v: on PostgreSQL an element of a
// text array (pgText), on SQLite a bound argument.
func castExpr(d store.Dialect, c column, v string) string {
	switch c.kind {
	case colInt:
		return "CAST(" + v + " AS INTEGER)"
	case colNullText:
		return "NULLIF(" + v + ", '')"
	case colTime:
		if d == store.Postgres {
			return "NULLIF(" + v + ", '')::timestamptz"
		}
	case colDate:
		if d == store.Postgres {
			return "NULLIF(" + v + ", '')::date"
		}
		return "NULLIF(" + v + ", '')"
	case colBool:
		if d == store.Postgres {
			return v + "::boolean"
		}
	}
	return v
}

// lastByKey keeps, of the rows with the same first value, the last one.
func lastByKey(rows [][]any) [][]any {
	last := make(map[any]int, len(rows))
	for i, row := range rows {
		last[row[0]] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([][]any, 0, len(last))
	for i, row := range rows {
		if last[row[0]] == i {
			out = append(out, row)
		}
	}
	return out
}

// pgInsert is insertRows' statement on PostgreSQL: one INSERT … SELECT
// FROM unnest(text arrays), casting in the SELECT, whatever the number of
// rows; its text depends only on the table and the columns.
func pgInsert(table string, cols []column, rows [][]any, suffix string) (string, []any) {
	names := make([]string, len(cols))
	arrays := make([]any, len(cols))
	params := make([]string, len(cols))
	aliases := make([]string, len(cols))
	exprs := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		vals := make([]string, len(rows))
		for r, row := range rows {
			vals[r] = pgText(row[i])
		}
		arrays[i] = vals
		params[i] = "?::text[]"
		aliases[i] = "c" + strconv.Itoa(i)
		if c.kind == colInt {
			exprs[i] = aliases[i] + "::integer"
		} else {
			exprs[i] = castExpr(store.Postgres, c, aliases[i])
		}
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(exprs, ", ") +
		" FROM unnest(" + strings.Join(params, ", ") + ") AS t(" + strings.Join(aliases, ", ") + ")" + suffix, arrays
}

// copyValues returns rows as COPY takes them: NULL (nil) for an empty
// colNullText or colDate and a zero colTime, a time.Time for a date. It
// reports false for a value of another shape, which the INSERT path casts.
func copyValues(cols []column, rows [][]any) ([][]any, bool) {
	out := make([][]any, len(rows))
	for r, row := range rows {
		vals := make([]any, len(cols))
		for i, c := range cols {
			v, ok := copyValue(c.kind, row[i])
			if !ok {
				return nil, false
			}
			vals[i] = v
		}
		out[r] = vals
	}
	return out, true
}

func copyValue(kind int, v any) (any, bool) {
	switch kind {
	case colText:
		s, ok := v.(string)
		return s, ok
	case colInt:
		switch v.(type) {
		case int, int64:
			return v, true
		}
	case colNullText, colDate:
		s := pgText(v)
		if s == "" {
			return nil, true
		}
		if kind == colNullText {
			return s, true
		}
		d, err := time.Parse(store.DateLayout, s)
		return d, err == nil
	case colTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, false
		}
		if t.IsZero() {
			return nil, true
		}
		return t, true
	case colBool:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}

func pgText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return store.FormatTime(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// notFound maps sql.ErrNoRows to err (wrapped with what was looked for).
func notFound(err error, what string, target error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s : %w", what, target)
	}
	return err
}

// Column lists and scanners shared by the queries.

const personCols = "p.id, p.last_name, p.first_name, p.birth_date, COALESCE(p.matricule, ''), p.identity_key, p.created_at, p.updated_at"

func personDest(p *extranet.Person) []any {
	return []any{&p.ID, &p.LastName, &p.FirstName, store.ScanDateText(&p.BirthDate), &p.Matricule, &p.IdentityKey, store.ScanTime(&p.CreatedAt), store.ScanTime(&p.UpdatedAt)}
}

const grantCols = "g.id, g.person_id, g.fase, g.school_year, g.role, g.email, g.last_name, g.first_name, g.state, g.since, " +
	"g.pending, g.pending_role, g.pending_email, g.pending_last_name, g.pending_first_name, g.pending_since, " +
	"g.end_reason, g.created_at, g.updated_at"

func grantDest(g *extranet.Grant) []any {
	return []any{&g.ID, &g.PersonID, &g.FASE, &g.SchoolYear, &g.Role, &g.Email, &g.LastName, &g.FirstName, &g.State, store.ScanTime(&g.Since),
		&g.Pending, &g.Next.Role, &g.Next.Email, &g.Next.LastName, &g.Next.FirstName, store.ScanTime(&g.PendingSince),
		&g.EndReason, store.ScanTime(&g.CreatedAt), store.ScanTime(&g.UpdatedAt)}
}

const accountCols = "a.id, a.person_id, a.login, a.login_base, a.email, a.state, a.password_hash, a.created_at, a.updated_at, a.activated_at, a.disabled_at, a.disabled_by, a.own_grant"

func accountDest(a *extranet.Account) []any {
	return []any{&a.ID, &a.PersonID, &a.Login, &a.LoginBase, &a.Email, &a.State, &a.PasswordHash,
		store.ScanTime(&a.CreatedAt), store.ScanTime(&a.UpdatedAt), store.ScanTime(&a.ActivatedAt), store.ScanTime(&a.DisabledAt), &a.DisabledBy, &a.OwnGrantID}
}

// collect runs a query and scans every row with scan.
func collect(rows *sql.Rows, err error, scan func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collectStrings appends the one text column of rows to out.
func collectStrings(rows *sql.Rows, err error, out *[]string) error {
	return collect(rows, err, func(r *sql.Rows) error {
		var v string
		if err := r.Scan(&v); err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	})
}

// valuesChunks cuts rows into VALUES lists under SQLite's limit of bound
// parameters (900 a statement, as the other look-ups) and calls exec with
// each list, tuple repeated once a row, and its arguments.
func valuesChunks(rows [][]any, tuple string, exec func(values string, args []any) error) error {
	per := max(1, 900/len(rows[0]))
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		tuples := make([]string, len(part))
		args := make([]any, 0, len(part)*len(part[0]))
		for i, row := range part {
			tuples[i] = tuple
			args = append(args, row...)
		}
		if err := exec(strings.Join(tuples, ", "), args); err != nil {
			return err
		}
	}
	return nil
}
