package bench

// The floor: what PostgreSQL itself needs, on this machine and in this run,
// for the rows a phase writes — the statements of ../shared/perf/floor.sh,
// driven from Go instead of pgbench. Each school's first load is one
// transaction that looks up its 70 identity keys and inserts 70 persons and
// 70 pending grants with one INSERT … SELECT each, at the run's concurrency;
// the night is three set-based statements in one transaction (open every
// grant, one account and one outbox row a person). The tables have the
// project's shapes and indexes. A phase's ratio to its floor says how much
// of its time is the server's own, whatever the machine's speed or load.

import (
	"context"
	"crypto/md5"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"passerelle/store"
)

// Floor holds the floor of the phases that have one, in seconds, and how
// its keys were made (FloorKeysSchool or FloorKeysScattered).
type Floor struct {
	Initial float64 `json:"initial"`
	Night   float64 `json:"night"`
	Keys    string  `json:"keys"`
}

// The floor's keys. floor.sh names a school's persons k<school>-1 …
// k<school>-n, and their matricules and addresses the same way, so that a
// school's keys sit side by side in every index and its transaction fills a
// page or two of each. The network's keys (folded names and birth dates,
// addresses, matricules) fall all over each index instead; scattered keys
// put eight hexadecimal digits of the MD5 of "<school>-<n>" in front of the
// same names, on both engines (floorKey, and the same expression in SQL),
// which costs the engine what such keys cost (docs/benchmarks.md).
const (
	FloorKeysSchool    = "school"
	FloorKeysScattered = "scattered"
)

// floorKey returns the key of the n-th person of a school for the
// prefix p ("k" the identity key, "m" the matricule, "e" the address).
func floorKey(p string, school, n int, scattered bool) string {
	k := p + strconv.Itoa(school) + "-" + strconv.Itoa(n)
	if !scattered {
		return k
	}
	sum := md5.Sum([]byte(strconv.Itoa(school) + "-" + strconv.Itoa(n)))
	return hex.EncodeToString(sum[:4]) + k
}

// floorFS holds the floor's tables (floorschema/sqlite/001_floor.sql), the
// migration of SQLite's floor database; floorSchema is its text, which
// PostgreSQL's floor runs as it is.
//
//go:embed floorschema
var floorFS embed.FS

var floorSchema = func() string {
	b, err := floorFS.ReadFile("floorschema/sqlite/001_floor.sql")
	if err != nil {
		panic(err) // embedded
	}
	return string(b)
}()

// floorSchool returns one school's first load: $1 numbers the school, $2
// is the staff.
func floorSchool(scattered bool) []string {
	// key is floorKey in SQL.
	key := func(p string) string {
		k := "'" + p + "' || $1::int || '-' || i"
		if scattered {
			k = "left(md5($1::int || '-' || i), 8) || " + k
		}
		return k
	}
	return []string{
		`SELECT count(*) FROM persons WHERE identity_key = ANY (ARRAY(SELECT ` + key("k") + ` FROM generate_series(1, $2::int) i))`,
		`INSERT INTO persons SELECT 'p' || $1::int || '-' || i, 'Nom' || i, 'Prénom' || i, '1980-01-01', ` + key("m") + `,
  ` + key("k") + `, now()::text, now()::text FROM generate_series(1, $2::int) i`,
		`INSERT INTO grants SELECT 'g' || $1::int || '-' || i, 'p' || $1::int || '-' || i, $1::int, '2026-2027', 'Enseignant',
  ` + key("e") + ` || '@ecole.be', 'Nom' || i, 'Prénom' || i, 'pending', now()::text, 'open', now()::text, now()::text
  FROM generate_series(1, $2::int) i`,
	}
}

const floorNight = `UPDATE grants SET state = 'active', pending = '' WHERE pending <> '';
INSERT INTO accounts SELECT 'a' || id, id, lower(first_name || '.' || last_name || '.' || id), 'x@ecole.be', 'active', now()::text FROM persons;
INSERT INTO outbox SELECT 'o' || id, id, 'invitation', now()::text FROM persons;`

// measureFloor creates a database of its own on the cluster at clusterURL,
// measures the floor of the first load of schools × staff at clients in
// parallel and of the night, and drops it.
func measureFloor(ctx context.Context, clusterURL string, schools, staff, clients int, scattered bool) (Floor, error) {
	dbURL, err := createDatabase(ctx, clusterURL, "floor")
	if err != nil {
		return Floor{}, err
	}
	defer dropDatabase(context.WithoutCancel(ctx), clusterURL, "floor")
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return Floor{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, floorSchema); err != nil {
		return Floor{}, err
	}
	f := Floor{Keys: floorKeysName(scattered)}
	d, err := floorLoad(ctx, dbURL, floorSchool(scattered), schools, staff, clients)
	if err != nil {
		return Floor{}, err
	}
	f.Initial = round3(d.Seconds())
	start := time.Now()
	if _, err := conn.Exec(ctx, "BEGIN; "+floorNight+" COMMIT;"); err != nil {
		return Floor{}, err
	}
	f.Night = round3(time.Since(start).Seconds())
	return f, nil
}

// floorLoad runs the schools' transactions at clients in parallel, each
// client on its own connection, opened before the clock starts.
func floorLoad(ctx context.Context, dbURL string, stmts []string, schools, staff, clients int) (time.Duration, error) {
	clients = max(1, min(clients, schools))
	conns := make([]*pgx.Conn, clients)
	for i := range conns {
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return 0, err
		}
		defer c.Close(context.WithoutCancel(ctx))
		conns[i] = c
	}
	next := make(chan int, schools)
	for i := range schools {
		next <- i + 1
	}
	close(next)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				if err := floorSchoolTx(ctx, c, stmts, n, staff); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), first
}

func floorSchoolTx(ctx context.Context, c *pgx.Conn, stmts []string, school, staff int) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q, school, staff); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// SQLite's floor: the same rows in a file of their own, opened by the
// extranet's store (store.Open: the same pragmas and checkpoints), written
// through its writer without the store's statement cache, by
// the one writer SQLite allows: each school one transaction that looks up
// its identity keys and inserts its persons and grants with multi-row
// INSERTs (SQLite has no unnest; sqliteFloorChunk rows a statement), then
// the night's three set-based statements. It tells what the engine itself
// needs in this process, which the extranet's SQLite phases cannot beat.

// sqliteFloorChunk bounds the rows of one statement: 13 values a grant
// stay under SQLite's 32,766 variables.
const sqliteFloorChunk = 1000

// sqliteFloorNight is floorNight in SQLite's words.
const sqliteFloorNight = `UPDATE grants SET state = 'active', pending = '' WHERE pending <> '';
INSERT INTO accounts SELECT 'a' || id, id, lower(first_name || '.' || last_name || '.' || id), 'x@ecole.be', 'active', datetime('now') FROM persons;
INSERT INTO outbox SELECT 'o' || id, id, 'invitation', datetime('now') FROM persons;`

// measureSQLiteFloor measures SQLite's floor in a file of dir, which it
// removes.
func measureSQLiteFloor(ctx context.Context, dir string, schools, staff int, scattered bool) (Floor, error) {
	path := filepath.Join(dir, "sqlite-floor.db")
	remove := func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	remove() // what a killed run left
	defer remove()
	migrations, err := fs.Sub(floorFS, "floorschema")
	if err != nil {
		return Floor{}, err
	}
	// The extranet's store, for its pragmas; its writer, for SQLite alone.
	st, err := store.Open(ctx, "sqlite:"+path, migrations, store.Options{})
	if err != nil {
		return Floor{}, err
	}
	defer st.Close()
	db := st.W
	f := Floor{Keys: floorKeysName(scattered)}
	start := time.Now()
	for school := 1; school <= schools; school++ {
		if err := sqliteFloorSchool(ctx, db, school, staff, scattered); err != nil {
			return Floor{}, fmt.Errorf("floor: %w", err)
		}
		st.Committed()
	}
	f.Initial = round3(time.Since(start).Seconds())
	start = time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Floor{}, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqliteFloorNight); err != nil {
		return Floor{}, fmt.Errorf("floor: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Floor{}, err
	}
	st.Committed()
	f.Night = round3(time.Since(start).Seconds())
	return f, nil
}

// sqliteFloorSchool is one school's first load on SQLite, with the rows of
// floorSchool.
func sqliteFloorSchool(ctx context.Context, db *sql.DB, school, staff int, scattered bool) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	keys := make([]any, 0, staff)
	persons := make([]any, 0, 8*staff)
	grants := make([]any, 0, 13*staff)
	for i := 1; i <= staff; i++ {
		id, key := fmt.Sprintf("%d-%d", school, i), floorKey("k", school, i, scattered)
		last, first := fmt.Sprintf("Nom%d", i), fmt.Sprintf("Prénom%d", i)
		keys = append(keys, key)
		persons = append(persons, "p"+id, last, first, "1980-01-01", floorKey("m", school, i, scattered), key, now, now)
		grants = append(grants, "g"+id, "p"+id, school, "2026-2027", "Enseignant", floorKey("e", school, i, scattered)+"@ecole.be", last, first, "pending", now, "open", now, now)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for start := 0; start < staff; start += sqliteFloorChunk {
		end := min(start+sqliteFloorChunk, staff)
		var found int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM persons WHERE identity_key IN ("+placeholders(1, end-start)+")",
			keys[start:end]...).Scan(&found); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO persons VALUES "+placeholders(8, end-start), persons[8*start:8*end]...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO grants VALUES "+placeholders(13, end-start), grants[13*start:13*end]...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// placeholders returns rows groups of cols question marks, in parentheses
// when there are several columns.
func placeholders(cols, rows int) string {
	row := strings.TrimSuffix(strings.Repeat("?, ", cols), ", ")
	if cols > 1 {
		row = "(" + row + ")"
	}
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func dropDatabase(ctx context.Context, clusterURL, name string) {
	conn, err := pgx.Connect(ctx, clusterURL)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// floorKeysName names the floor's keys in the result.
func floorKeysName(scattered bool) string {
	if scattered {
		return FloorKeysScattered
	}
	return FloorKeysSchool
}

// of returns the floor of a phase, 0 when it has none or none was measured.
func (f *Floor) of(phase string) float64 {
	if f == nil {
		return 0
	}
	switch phase {
	case PhaseInitial:
		return f.Initial
	case PhaseNight:
		return f.Night
	}
	return 0
}

// writeFloor writes, under a phase's row, its floor and the ratio.
func writeFloor(w io.Writer, p Phase, by string) {
	if p.FloorSeconds <= 0 {
		return
	}
	fmt.Fprintf(w, "          floor %.2f s (%s, same rows, same run): %.1f× the floor\n", p.FloorSeconds, by, p.FloorRatio)
}
