// Package store holds the SQL plumbing shared by the school and extranet
// stores: opening SQLite or PostgreSQL from one URL, running embedded numbered
// migrations, transactions, placeholders and time encoding.
//
// Both stores are written once, in SQL that SQLite and PostgreSQL both accept,
// with placeholders written as ? and rebound to $n for PostgreSQL. Only the
// migrations differ by dialect. One contract test suite runs against both.
//
// Values. PostgreSQL columns have native types (timestamptz for instants,
// date for civil dates, boolean for flags); SQLite keeps its own: instants
// as TEXT in TimeLayout (fixed-width UTC, so that they sort and compare as
// strings), dates as TEXT in DateLayout, flags as INTEGER 0/1. On both,
// "none" is NULL. Callers never encode: they pass a time.Time for an
// instant (the zero time for none), a Date for a civil date and a bool for a
// flag, and the Querier converts them for its dialect where it rewrites the
// placeholders (in SQL text, a flag is TRUE or FALSE, which SQLite reads as
// 1 and 0). They scan instants through ScanTime and dates through ScanDate
// (or ScanDateText, for a date kept as text in Go), which read either
// engine's value, NULL giving the zero time; flags scan into a bool on both.
// Multi-row statements that pass arrays of text to PostgreSQL (unnest)
// encode instants with FormatTime and cast them in SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"passerelle/internal/errs"
)

// Dialect tells which SQL engine a DB speaks.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open database. Writes go through W; reads may use R. On SQLite, W
// is a single connection so that writers queue in the process instead of
// fighting over the file lock, and R is a pool of readers (WAL lets them run
// beside the writer). On PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	W, R    *sql.DB
	// Path is the SQLite file, empty for PostgreSQL.
	Path string

	// pg is the PostgreSQL connection configuration, for Dedicated.
	pg *pgx.ConnConfig
	// stmts keeps the SQLite writer's prepared statements (stmtcache.go).
	stmts *stmtCache
	// ckpt checkpoints a SQLite file's write-ahead log (checkpoint.go).
	ckpt *checkpointer
	// plans counts the Replan calls (replan.go).
	plans atomic.Uint64
}

// Dedicated opens a PostgreSQL connection outside the pool, for a session
// that holds it a long time (the night run's advisory lock): taken from the
// pool, it would leave a pool of one nothing for the work it guards.
// Closing the returned *sql.DB closes the connection.
func (db *DB) Dedicated(ctx context.Context) (_ *sql.DB, _ *sql.Conn, err error) {
	defer errs.Wrap(&err, "store: open a dedicated connection")
	if db.pg == nil {
		return nil, nil, errs.New("connexion dédiée : PostgreSQL seulement")
	}
	one := stdlib.OpenDB(*db.pg)
	one.SetMaxOpenConns(1)
	conn, err := one.Conn(ctx)
	if err != nil {
		one.Close()
		return nil, nil, err
	}
	return one, conn, nil
}

// Options tunes Open.
type Options struct {
	// Schema is the PostgreSQL schema that holds this side's tables, so that
	// the school and extranet sides can share one database. Ignored by SQLite.
	Schema string
}

// DefaultMaxConns is the size of a PostgreSQL pool whose URL does not give
// pool_max_conns: twice the processors, at least 4. More connections than
// PostgreSQL has processors to run them only make its backends wait for
// each other's locks: at 20 connections on two processors, the September
// rush of docs/benchmarks.md cost PostgreSQL twice the processor time it
// costs at 4, for the same rows. Requests beyond the pool queue in the
// process, each until its context ends.
func DefaultMaxConns() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// poolSize reads and removes pool_max_conns, the size of the pool, from a
// PostgreSQL URL (the parameter pgx's own pool reads), so that the server
// is not sent it as a setting. Without it, the size is DefaultMaxConns.
func poolSize(rawURL string) (int, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return DefaultMaxConns(), rawURL, nil // pgx.ParseConfig says what is wrong
	}
	q := u.Query()
	v, ok := q["pool_max_conns"]
	if !ok {
		return DefaultMaxConns(), rawURL, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > 1000 {
		return 0, "", errs.Errorf("pool_max_conns=%s dans l'adresse PostgreSQL : donnez un nombre de connexions entre 1 et 1000, par exemple pool_max_conns=8", v[0])
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return n, u.String(), nil
}

// Open opens "sqlite:PATH" (or a path ending in .db) or "postgres://…" and
// applies the migrations found in migrations/<dialect>/*.sql.
func Open(ctx context.Context, rawURL string, migrations fs.FS, opt Options) (_ *DB, err error) {
	defer errs.Wrap(&err, "store: open")
	db, err := open(rawURL, opt)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func open(rawURL string, opt Options) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		n, rawURL, err := poolSize(rawURL)
		if err != nil {
			return nil, err
		}
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, errs.Errorf("adresse PostgreSQL illisible : %w", err)
		}
		if opt.Schema != "" {
			cfg.RuntimeParams["search_path"] = opt.Schema
		}
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
		if opt.Schema != "" {
			if _, err := db.Exec("CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{opt.Schema}.Sanitize()); err != nil {
				db.Close()
				return nil, errs.Errorf("connexion à PostgreSQL impossible : %w", err)
			}
		}
		return &DB{Dialect: Postgres, W: db, R: db, pg: cfg}, nil
	case strings.HasPrefix(rawURL, "sqlite:"), strings.HasSuffix(rawURL, ".db"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errs.New("chemin SQLite vide : écrivez par exemple sqlite:passerelle.db")
		}
		if path != ":memory:" {
			if dir := filepath.Dir(path); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, errs.Errorf("dossier de la base %s : %w", dir, err)
				}
			}
		}
		// busy_timeout first, so that the other pragmas wait for a lock held
		// by another process instead of failing.
		q := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		wq := url.Values{}
		for k, v := range q {
			wq[k] = v
		}
		wq.Set("_txlock", "immediate")
		// The writer checkpoints only as a backstop (checkpoint.go).
		wq.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")")
		wq.Add("_pragma", "journal_size_limit("+strconv.Itoa(walSizeLimit)+")")
		w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			w.Close()
			return nil, err
		}
		r.SetMaxOpenConns(4)
		if err := w.Ping(); err != nil {
			w.Close()
			r.Close()
			return nil, errs.Errorf("ouverture de la base SQLite %s impossible : %w", path, err)
		}
		db := &DB{Dialect: SQLite, W: w, R: r, Path: path, stmts: newStmtCache(w, stmtCacheSize)}
		if path != ":memory:" {
			db.ckpt = newCheckpointer(r)
		}
		return db, nil
	default:
		return nil, errs.Errorf("adresse de base de données %q non reconnue : écrivez sqlite:CHEMIN ou postgres://…", Redact(rawURL))
	}
}

// redactMask replaces a password in Redact's output, as url.URL.Redacted does.
const redactMask = "xxxxx"

// passwordParam matches a password given as a key=value pair, in a query
// string or a keyword/value connection string.
var passwordParam = regexp.MustCompile(`(?i)((?:^|[?&\s])(?:ssl)?password\s*=\s*)('[^']*'|[^&\s]*)`)

// Redact returns a database URL fit for messages and logs: a SQLite path as
// it is, a PostgreSQL URL (or any other URL) with its password masked, in the
// user info as url.URL.Redacted does and in a password or sslpassword
// parameter. Every message or log line that names a --db URL goes through it.
func Redact(rawURL string) string {
	if strings.HasPrefix(rawURL, "sqlite:") {
		return rawURL
	}
	if !strings.Contains(rawURL, "://") {
		// A SQLite path, or a keyword/value string (host=… password=…).
		return passwordParam.ReplaceAllString(rawURL, "${1}"+redactMask)
	}
	u, err := url.Parse(rawURL)
	scheme, rest, _ := strings.Cut(rawURL, "://")
	if err != nil || (u.User == nil && strings.Contains(rest, "@")) {
		// Unreadable, or an '@' stranded after a '/' or '?' of the password
		// (postgres://user:12/34@host): mask everything up to the last '@',
		// then any password parameter.
		if i := strings.LastIndex(rest, "@"); i >= 0 {
			rest = redactMask + rest[i:]
		}
		return passwordParam.ReplaceAllString(scheme+"://"+rest, "${1}"+redactMask)
	}
	if u.RawQuery != "" {
		u.RawQuery = passwordParam.ReplaceAllString(u.RawQuery, "${1}"+redactMask)
	}
	return u.Redacted()
}

// Committed tells the store that a transaction committed on W, so that
// SQLite's log is checkpointed (checkpoint.go). Tx and Write call it; a
// caller that writes through W itself (the benchmark's floor, the
// statistics upkeep) calls it after its commit.
func (db *DB) Committed() {
	if db.ckpt != nil {
		db.ckpt.commit()
	}
}

// Close closes the pools.
func (db *DB) Close() (err error) {
	defer errs.Wrap(&err, "store: close")
	if db.stmts != nil {
		db.stmts.close()
	}
	if db.ckpt != nil {
		db.ckpt.close()
	}
	err = db.W.Close()
	if db.R != db.W {
		if e := db.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "store: ping")
	return db.W.PingContext(ctx)
}

// Rebind turns ? placeholders into $1, $2… for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (db *DB) Rebind(q string) string { return rebind(db.Dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	if r, ok := rebound.Load(q); ok {
		return r.(string)
	}
	r := rebindText(q)
	if reboundCount.Load() < reboundMax {
		if _, dup := rebound.LoadOrStore(q, r); !dup {
			reboundCount.Add(1)
		}
	}
	return r
}

// rebound remembers the statements rebind rewrote: the store's texts are a
// few hundred, run thousands of times, and the longest are kilobytes.
// reboundMax bounds them, should a caller build texts without end.
var (
	rebound      sync.Map
	reboundCount atomic.Int64
)

const reboundMax = 4096

// rebindText turns ? placeholders into $1, $2…, outside quoted literals.
func rebindText(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for {
		i := strings.IndexAny(q, "?'")
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		b.WriteString(q[:i])
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			q = q[i+1:]
			continue
		}
		// A literal: copied whole, up to its closing quote ('' inside
		// one is two literals back to back, copied alike).
		end := strings.IndexByte(q[i+1:], '\'')
		if end < 0 {
			b.WriteString(q[i:])
			return b.String()
		}
		b.WriteString(q[i : i+end+2])
		q = q[i+end+2:]
	}
}

// Reader runs queries: DB.Read on the read pool, DB.Write, or a Tx.
type Reader interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

// Querier is a Reader that also writes: a Tx, or DB.Write.
type Querier interface {
	Reader
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// Tx is a transaction that rebinds placeholders.
type Tx struct {
	tx *sql.Tx
	d  Dialect
	// Now is the one instant of this transaction, from the caller's clock.
	Now time.Time
	// stmts is the DB's statement cache (SQLite), missed the statements
	// it lacked, to prepare once the transaction ends.
	stmts  *stmtCache
	missed []string
	// conn is the transaction's connection on PostgreSQL.
	conn *sql.Conn
	// lent holds the rows of the cached statements this transaction
	// queried: a SQLite statement steps through one result at a time, so
	// while those rows are open their text runs unprepared.
	lent map[string]*sql.Rows
}

// CopyFrom writes rows into table's columns with PostgreSQL's COPY, in the
// transaction: for many rows, cheaper than any INSERT, since the values
// travel in binary and are not parsed. Each value must be of a Go type pgx
// encodes for its column (a string, an int, a bool, a time.Time for a
// timestamptz or a date), or nil for NULL. PostgreSQL only.
func (t *Tx) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	if t.conn == nil {
		return 0, errs.New("COPY : PostgreSQL seulement")
	}
	var n int64
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errs.Errorf("COPY : connexion %T inattendue", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
	return n, err
}

// prepared returns q prepared for this transaction when the cache holds
// it and no rows of it are open, and nil otherwise.
func (t *Tx) prepared(ctx context.Context, q string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if rows := t.lent[q]; rows != nil {
		if _, err := rows.Columns(); err == nil {
			return nil // still open
		}
		delete(t.lent, q)
	}
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	if !slices.Contains(t.missed, q) {
		t.missed = append(t.missed, q)
	}
	return nil
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = rebind(t.d, q)
	if st := t.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, convert(t.d, args)...)
	}
	return t.tx.ExecContext(ctx, q, convert(t.d, args)...)
}
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(t.d, q)
	if st := t.prepared(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, convert(t.d, args)...)
		if err == nil {
			if t.lent == nil {
				t.lent = map[string]*sql.Rows{}
			}
			t.lent[q] = rows
		}
		return rows, err
	}
	return t.tx.QueryContext(ctx, q, convert(t.d, args)...)
}
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(t.d, q)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, convert(t.d, args)...)
	}
	return t.tx.QueryRowContext(ctx, q, convert(t.d, args)...)
}
func (t *Tx) Dialect() Dialect { return t.d }

// reader runs queries on the read pool, or on the writer when w is set.
type reader struct {
	db *DB
	w  bool
}

func (r reader) pool() *sql.DB {
	if r.w {
		return r.db.W
	}
	return r.db.R
}

func (r reader) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := r.db.W.ExecContext(ctx, rebind(r.db.Dialect, q), convert(r.db.Dialect, args)...)
	if err == nil {
		r.db.Committed()
	}
	return res, err
}
func (r reader) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.pool().QueryContext(ctx, rebind(r.db.Dialect, q), convert(r.db.Dialect, args)...)
}
func (r reader) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return r.pool().QueryRowContext(ctx, rebind(r.db.Dialect, q), convert(r.db.Dialect, args)...)
}
func (r reader) Dialect() Dialect { return r.db.Dialect }

// Read returns a Reader on the read pool.
func (db *DB) Read() Reader { return reader{db: db} }

// Write returns a Querier on the writer pool, for statements outside a
// transaction and for reads that must see the last write (on SQLite a
// reader may lag behind the writer).
func (db *DB) Write() Querier { return reader{db: db, w: true} }

// Tx runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise. It names no operation (errs.Wrap): fn's error is
// returned as it is, and the store method that called Tx names a failure
// to begin or commit.
func (db *DB) Tx(ctx context.Context, now time.Time, fn func(tx *Tx) error) error {
	tx := &Tx{d: db.Dialect, Now: now, stmts: db.stmts}
	var err error
	if db.Dialect == Postgres {
		// On a connection of its own, which CopyFrom reaches.
		if tx.conn, err = db.W.Conn(ctx); err != nil {
			return err
		}
		defer func() {
			// Closing the connection waits for its transaction: after a
			// panic in fn, end it first (after a commit, a no-op).
			if tx.tx != nil {
				tx.tx.Rollback()
			}
			tx.conn.Close()
		}()
		if err = db.renewPlans(ctx, tx.conn); err == nil {
			tx.tx, err = tx.conn.BeginTx(ctx, nil)
		}
	} else {
		tx.tx, err = db.W.BeginTx(ctx, nil)
	}
	if err != nil {
		return err
	}
	sqlTx := tx.tx
	if err = fn(tx); err != nil {
		sqlTx.Rollback()
	} else if err = sqlTx.Commit(); err == nil {
		db.Committed()
	}
	if db.stmts != nil {
		// After the commit or the rollback (not after a panic in fn).
		db.stmts.later(tx.missed)
	}
	return err
}

// Migrate applies the pending migrations of fsys/<dialect>/NNN_name.sql in
// order, each in its own transaction. On PostgreSQL an advisory lock keeps two
// processes from migrating at once. On SQLite, foreign keys are not enforced
// while a migration runs, so that a table can be rebuilt (created anew,
// copied, dropped, renamed: SQLite's ALTER TABLE cannot change a column),
// and are checked before it commits.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS) (err error) {
	defer errs.Wrap(&err, "store: migrate")
	files, err := migrationFiles(fsys, db.Dialect)
	if err != nil {
		return err
	}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations : %w", err)
	}
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations : %w", err)
	}
	defer conn.Close()
	if db.Dialect == SQLite {
		// Outside any transaction: SQLite ignores it inside one.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("migrations : %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	for _, f := range files {
		if err := db.migrate(ctx, conn, fsys, f); err != nil {
			return fmt.Errorf("migration %s : %w", f.name, err)
		}
	}
	return nil
}

// migrate applies one migration on conn, unless it was already applied.
func (db *DB) migrate(ctx context.Context, conn *sql.Conn, fsys fs.FS, f migration) error {
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, d: db.Dialect, Now: time.Now()}
	if db.Dialect == Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7215001)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, f.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(fsys, f.path)
	if err != nil {
		return err
	}
	if _, err := sqlTx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if db.Dialect == SQLite {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		err := sqlTx.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fk)
		if err == nil {
			return fmt.Errorf("%s: foreign key from %s to %s broken", f.path, table, parent)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, f.version, f.name, FormatTime(time.Now())); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// Pending returns the number of migrations not yet applied, for readiness
// checks.
func (db *DB) Pending(ctx context.Context, fsys fs.FS) (_ int, err error) {
	defer errs.Wrap(&err, "store: count pending migrations")
	files, err := migrationFiles(fsys, db.Dialect)
	if err != nil {
		return 0, err
	}
	var applied int
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		return 0, err
	}
	return len(files) - applied, nil
}

// Ready returns nil when the database answers and holds exactly the
// migrations of fsys: a refusal in French that says what to do when some
// are not applied yet, or when a newer version applied more (a process left
// running across an upgrade, which would fail on the new schema).
func (db *DB) Ready(ctx context.Context, fsys fs.FS) (err error) {
	defer errs.Wrap(&err, "store: check readiness")
	if err := db.Ping(ctx); err != nil {
		return errs.Errorf("base de données injoignable : %w", err)
	}
	n, err := db.Pending(ctx, fsys)
	if err != nil {
		return errs.Errorf("état des migrations illisible : %w", err)
	}
	switch {
	case n > 0:
		return errs.Errorf("%d migration(s) de la base non appliquée(s) : redémarrez le service pour les appliquer", n)
	case n < 0:
		return errs.Errorf("la base a été migrée par une version plus récente de Passerelle (%d migration(s) inconnue(s) de celle-ci) : arrêtez ce processus et mettez-le à jour", -n)
	}
	return nil
}

type migration struct {
	version    int
	name, path string
}

func migrationFiles(fsys fs.FS, d Dialect) ([]migration, error) {
	dir := d.String()
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations %s : %w", dir, err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s : le nom doit commencer par un numéro (001_…)", name)
		}
		out = append(out, migration{version: v, name: name, path: dir + "/" + name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s et %s : même numéro", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// TimeLayout is how SQLite stores instants: fixed-width UTC text, so that
// they sort and compare as strings.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// DateLayout is how SQLite stores civil dates.
const DateLayout = "2006-01-02"

// Date is a civil date passed as a query argument (a DATE on PostgreSQL,
// DateLayout text on SQLite); the zero time is NULL. Only its year, month
// and day count.
type Date time.Time

// convert encodes args for d (see the package doc): time.Time and Date, the
// zero time as NULL; bool as 1/0 on SQLite. Other values pass as they are.
// args is copied only when a value changes.
func convert(d Dialect, args []any) []any {
	out := args
	copied := false
	for i, a := range args {
		v, ok := encode(d, a)
		if !ok {
			continue
		}
		if !copied {
			out, copied = slices.Clone(args), true
		}
		out[i] = v
	}
	return out
}

func encode(d Dialect, a any) (any, bool) {
	switch x := a.(type) {
	case time.Time:
		if x.IsZero() {
			return nil, true
		}
		if d == Postgres {
			return x.UTC().Truncate(time.Microsecond), true
		}
		return x.UTC().Format(TimeLayout), true
	case Date:
		t := time.Time(x)
		if t.IsZero() {
			return nil, true
		}
		return t.Format(DateLayout), true
	case bool:
		if d == Postgres {
			return x, false
		}
		if x {
			return 1, true
		}
		return 0, true
	}
	return a, false
}

// FormatTime encodes an instant as SQLite stores it ("" for the zero time),
// for the text arrays of multi-row statements.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// FormatDate encodes a civil date as SQLite stores it ("" for the zero
// time), for the text arrays of multi-row statements.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

// ScanTime returns a destination for Scan that reads an instant into t:
// a timestamptz (PostgreSQL), TimeLayout text (SQLite), or NULL for the zero
// time.
func ScanTime(t *time.Time) sql.Scanner { return timeScanner{t} }

// ScanDate returns a destination for Scan that reads a civil date into t as
// UTC midnight: a date (PostgreSQL), DateLayout text (SQLite), or NULL for
// the zero time.
func ScanDate(t *time.Time) sql.Scanner { return dateScanner{t} }

// ScanDateText is ScanDate for a date kept as DateLayout text in Go: s gets
// "YYYY-MM-DD", or "" for NULL.
func ScanDateText(s *string) sql.Scanner { return dateTextScanner{s} }

// The scanners hold one pointer, so that making one allocates nothing.
type (
	timeScanner     struct{ t *time.Time }
	dateScanner     struct{ t *time.Time }
	dateTextScanner struct{ s *string }
)

func (s timeScanner) Scan(v any) (err error) {
	*s.t, err = scanTime(v, TimeLayout)
	if err == nil {
		*s.t = s.t.UTC()
	}
	return err
}

func (s dateScanner) Scan(v any) (err error) {
	*s.t, err = scanTime(v, DateLayout)
	return err
}

func (s dateTextScanner) Scan(v any) error {
	t, err := scanTime(v, DateLayout)
	if err == nil {
		*s.s = FormatDate(t)
	}
	return err
}

// scanTime reads what either engine returns for an instant or a date
// (layout tells which): a time.Time, text, or nil for the zero time. A
// date's time.Time is taken as its year, month and day, at UTC midnight.
func scanTime(v any, layout string) (time.Time, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		if layout == DateLayout {
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
		return x, nil
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		return time.Time{}, fmt.Errorf("store: cannot read %T as a time", v)
	}
	if text == "" {
		// "none" before the migrations to NULL (extranet 014, school 004),
		// as a process of the previous version may still write it on
		// SQLite: read as none, as that version did, not as a failure of
		// every query that returns the row.
		return time.Time{}, nil
	}
	t, err := time.Parse(layout, text)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: unreadable time %q: %w", text, err)
	}
	return t, nil
}
