// Package schematest describes a migrated database's schema in terms that
// SQLite and PostgreSQL share — tables, columns with their kind and
// nullability, primary keys, indexes with their columns and uniqueness — so
// that a test can prove the two migration trees build the same schema
// instead of keeping them in step by hand.
package schematest

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"passerelle/store"
)

// Column is a column as both engines can say it.
type Column struct {
	Name    string
	Kind    string // "text", "integer", "real", "time", "date", "bool", "blob"
	NotNull bool
}

// Index is an index (primary keys included, as "pkey") by its columns.
type Index struct {
	Columns []string
	Unique  bool
	Partial bool
}

// Table is a table's columns, sorted by name, and its indexes.
type Table struct {
	Columns []Column
	Indexes []Index // sorted by their columns
}

// Describe returns the tables of db's schema (schema: PostgreSQL's schema
// name, ignored on SQLite), less the migrations' own bookkeeping.
func Describe(t testing.TB, db *store.DB, schema string) map[string]Table {
	t.Helper()
	ctx := context.Background()
	var out map[string]Table
	var err error
	if db.Dialect == store.Postgres {
		out, err = describePostgres(ctx, db, schema)
	} else {
		out, err = describeSQLite(ctx, db)
	}
	if err != nil {
		t.Fatalf("describe %s schema: %v", db.Dialect, err)
	}
	delete(out, "schema_migrations")
	for name, tb := range out {
		sort.Slice(tb.Columns, func(i, j int) bool { return tb.Columns[i].Name < tb.Columns[j].Name })
		sort.Slice(tb.Indexes, func(i, j int) bool { return indexKey(tb.Indexes[i]) < indexKey(tb.Indexes[j]) })
		out[name] = tb
	}
	return out
}

func indexKey(ix Index) string {
	return fmt.Sprintf("%s unique=%v partial=%v", strings.Join(ix.Columns, ","), ix.Unique, ix.Partial)
}

// Diff lists how b differs from a, one line a difference, or nothing.
func Diff(a, b map[string]Table) []string {
	var out []string
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		ta, okA := a[n]
		tb, okB := b[n]
		switch {
		case !okA:
			out = append(out, "table "+n+" only in the second")
		case !okB:
			out = append(out, "table "+n+" only in the first")
		default:
			if !slices.Equal(ta.Columns, tb.Columns) {
				out = append(out, fmt.Sprintf("table %s columns: %v vs %v", n, ta.Columns, tb.Columns))
			}
			ka, kb := keys(ta.Indexes), keys(tb.Indexes)
			if !slices.Equal(ka, kb) {
				out = append(out, fmt.Sprintf("table %s indexes: %v vs %v", n, ka, kb))
			}
		}
	}
	return out
}

func keys(ixs []Index) []string {
	out := make([]string, len(ixs))
	for i, ix := range ixs {
		out[i] = indexKey(ix)
	}
	return out
}

// SQLiteKinds gives the columns that SQLite stores in its own types the kind
// PostgreSQL's native type has: an instant ("time") or a civil date ("date")
// kept as TEXT, a flag ("bool") kept as INTEGER 0/1. kinds maps
// "table.column" to the kind. It fails when a column named is missing or is
// not of the SQLite type that kind is kept in, so that the list cannot hide a
// difference: a column it does not name keeps the kind its declared type
// gives, and one it names must then be native on PostgreSQL.
func SQLiteKinds(tables map[string]Table, kinds map[string]string) error {
	stored := map[string]string{"time": "text", "date": "text", "bool": "integer"}
	for name, k := range kinds {
		table, col, ok := strings.Cut(name, ".")
		if !ok || stored[k] == "" {
			return fmt.Errorf("%s: want table.column and a kind among time, date, bool", name)
		}
		tb, found := tables[table], false
		for i, c := range tb.Columns {
			if c.Name != col {
				continue
			}
			if c.Kind != stored[k] {
				return fmt.Errorf("%s is %s in SQLite, not %s as a %s is kept", name, c.Kind, stored[k], k)
			}
			tb.Columns[i].Kind, found = k, true
		}
		if !found {
			return fmt.Errorf("%s: no such column in SQLite", name)
		}
	}
	return nil
}

// kind maps an engine's declared type to a shared kind.
func kind(declared string) string {
	d := strings.ToLower(declared)
	switch {
	case strings.Contains(d, "timestamp"):
		return "time"
	case d == "date":
		return "date"
	case strings.Contains(d, "int"), d == "serial", d == "bigserial":
		return "integer"
	case strings.Contains(d, "bool"):
		return "bool"
	case strings.Contains(d, "real"), strings.Contains(d, "double"), strings.Contains(d, "numeric"):
		return "real"
	case strings.Contains(d, "blob"), d == "bytea":
		return "blob"
	default:
		return "text"
	}
}

func describeSQLite(ctx context.Context, db *store.DB) (map[string]Table, error) {
	q := db.Read()
	rows, err := q.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]Table{}
	for _, n := range names {
		var tb Table
		var pk []string
		cols, err := q.Query(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY pk`, n)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var c Column
			var typ string
			var pkPos int
			if err := cols.Scan(&c.Name, &typ, &c.NotNull, &pkPos); err != nil {
				cols.Close()
				return nil, err
			}
			c.Kind = kind(typ)
			if pkPos > 0 {
				pk = append(pk, c.Name)
				c.NotNull = true // a primary key is never null
			}
			tb.Columns = append(tb.Columns, c)
		}
		cols.Close()
		if len(pk) > 0 {
			tb.Indexes = append(tb.Indexes, Index{Columns: pk, Unique: true})
		}
		ixs, err := sqliteIndexes(ctx, q, n)
		if err != nil {
			return nil, err
		}
		tb.Indexes = append(tb.Indexes, ixs...)
		out[n] = tb
	}
	return out, nil
}

func sqliteIndexes(ctx context.Context, q store.Reader, table string) ([]Index, error) {
	rows, err := q.Query(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table)
	if err != nil {
		return nil, err
	}
	type meta struct {
		name            string
		unique, partial bool
	}
	var list []meta
	for rows.Next() {
		var m meta
		var origin string
		if err := rows.Scan(&m.name, &m.unique, &origin, &m.partial); err != nil {
			rows.Close()
			return nil, err
		}
		if origin == "pk" {
			continue // described with the columns
		}
		list = append(list, m)
	}
	rows.Close()
	var out []Index
	for _, m := range list {
		ix := Index{Unique: m.unique, Partial: m.partial}
		cols, err := q.Query(ctx, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, m.name)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				cols.Close()
				return nil, err
			}
			ix.Columns = append(ix.Columns, c)
		}
		cols.Close()
		out = append(out, ix)
	}
	return out, nil
}

func describePostgres(ctx context.Context, db *store.DB, schema string) (map[string]Table, error) {
	q := db.Read()
	out := map[string]Table{}
	rows, err := q.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_schema = ? ORDER BY table_name, ordinal_position`, schema)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, col, typ, nullable string
		if err := rows.Scan(&table, &col, &typ, &nullable); err != nil {
			rows.Close()
			return nil, err
		}
		tb := out[table]
		tb.Columns = append(tb.Columns, Column{Name: col, Kind: kind(typ), NotNull: nullable == "NO"})
		out[table] = tb
	}
	rows.Close()
	// Indexes with their columns in order; expressions (none expected) show as "expr".
	ixRows, err := q.Query(ctx, `SELECT t.relname, i.indisunique, i.indisprimary, i.indpred IS NOT NULL,
  ARRAY(SELECT COALESCE(a.attname, 'expr') FROM unnest(i.indkey) WITH ORDINALITY k(n, ord)
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.ord)::text
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = ?`, schema)
	if err != nil {
		return nil, err
	}
	defer ixRows.Close()
	for ixRows.Next() {
		var table, cols string
		var unique, primary, partial bool
		if err := ixRows.Scan(&table, &unique, &primary, &partial, &cols); err != nil {
			return nil, err
		}
		tb, ok := out[table]
		if !ok {
			continue
		}
		ix := Index{Columns: strings.Split(strings.Trim(cols, "{}"), ","), Unique: unique || primary, Partial: partial}
		tb.Indexes = append(tb.Indexes, ix)
		out[table] = tb
	}
	return out, ixRows.Err()
}

// Upto returns the migrations of fsys (<dialect>/NNN_name.sql) numbered up
// to last, so that a test can build a database as an older release left it,
// fill it, and then migrate it to the current schema.
func Upto(t testing.TB, fsys fs.FS, last int) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		num, _, _ := strings.Cut(d.Name(), "_")
		if v, err := strconv.Atoi(num); err != nil || v > last {
			return nil
		}
		body, err := fs.ReadFile(fsys, path)
		out[path] = &fstest.MapFile{Data: body}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no migration numbered up to %d", last)
	}
	return out
}
