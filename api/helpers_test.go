package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/internal/syncbuf"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The test clock: a Thursday evening of the 2026-2027 school year.
var testNow = time.Date(2026, 11, 26, 18, 0, 0, 0, time.FixedZone("CET", 3600))

const (
	year  = "2026-2027"
	faseA = 4242
	faseB = 5353
)

// env is a real extranet: a store, the service, the server over HTTP, and
// two schools with their tokens.
type env struct {
	t       testing.TB
	store   *extranetstore.Store
	svc     *extranet.Service
	srv     *Server
	ts      *httptest.Server
	log     *syncbuf.Buffer
	tokenA  string // school A's current token
	revoked string // school A's first token, revoked by a rotation
	tokenB  string
}

// sqliteURL returns a fresh SQLite database in the test's folder.
func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
}

// stores runs fn against SQLite and PostgreSQL.
func stores(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.URL(t)) })
}

func newEnv(t testing.TB, dbURL string, opts ServerOptions) *env {
	t.Helper()
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, log: &syncbuf.Buffer{}}
	e.svc = &extranet.Service{Store: st, Now: func() time.Time { return testNow }, Log: slog.New(slog.DiscardHandler)}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewJSONHandler(e.log, nil))
	}
	e.srv = NewServer(e.svc, opts)
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)

	if e.revoked, err = e.svc.AddSchool(ctx, faseA, "École A", "test"); err != nil {
		t.Fatalf("add school A: %v", err)
	}
	if e.tokenA, err = e.svc.RotateToken(ctx, faseA, "test"); err != nil {
		t.Fatalf("rotate token A: %v", err)
	}
	if e.tokenB, err = e.svc.AddSchool(ctx, faseB, "École B", "test"); err != nil {
		t.Fatalf("add school B: %v", err)
	}
	return e
}

// seed applies a snapshot of n people to a school, directly on the service.
func (e *env) seed(fase, n int) wire.Snapshot {
	e.t.Helper()
	snap := snapshot(fase, n)
	if _, err := e.svc.Transfer(context.Background(), fase, snap, extranet.TransferOptions{Actor: "test"}); err != nil {
		e.t.Fatalf("seed school %d: %v", fase, err)
	}
	return snap
}

// grants returns both schools' grants, to check that a refused call
// changed nothing.
func (e *env) grants() [2]wire.SchoolGrants {
	e.t.Helper()
	var out [2]wire.SchoolGrants
	for i, fase := range []int{faseA, faseB} {
		g, err := e.svc.Grants(context.Background(), fase, year)
		if err != nil {
			e.t.Fatalf("grants of %d: %v", fase, err)
		}
		out[i] = g
	}
	return out
}

func (e *env) sameGrants(before [2]wire.SchoolGrants) {
	e.t.Helper()
	if after := e.grants(); !reflect.DeepEqual(before, after) {
		e.t.Errorf("grants changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

var (
	lastNames  = []string{"Dupont", "Martin", "Lambert", "Dubois", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet", "Leroy"}
	firstNames = []string{"Jean", "Marie", "Luc", "Anne", "Paul", "Sophie", "Marc", "Julie", "Pierre", "Claire", "Éric"}
)

// person is the i-th staff member of a school: names and birth dates differ
// for every i below 150, addresses for every school.
func person(fase, i int) wire.StaffEntry {
	last, first := lastNames[i%len(lastNames)], firstNames[(i/len(lastNames))%len(firstNames)]
	return wire.StaffEntry{
		LastName:  last,
		FirstName: first,
		BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 60+i%30, 1+i%12, 1+i%28),
		Email:     fmt.Sprintf("p%d.%s@ecole%d.be", i, strings.ToLower(strings.ReplaceAll(last, " ", "")), fase),
		Role:      "Enseignant",
	}
}

func snapshot(fase, n int) wire.Snapshot {
	s := wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{}}
	for i := range n {
		s.Staff = append(s.Staff, person(fase, i))
	}
	return s
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call makes one raw request to the test server.
func (e *env) call(method, path, auth string, body []byte, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, data
}

// problem decodes a problem answer and checks its form.
func problemOf(t testing.TB, resp *http.Response, data []byte, status int, typ string) wire.Problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != wire.ProblemContentType {
		t.Fatalf("Content-Type %q, want %q", ct, wire.ProblemContentType)
	}
	var p wire.Problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, data)
	}
	if p.Type != typ || p.Status != status || p.Title == "" || p.Detail == "" || p.RequestID == "" {
		t.Fatalf("problem %+v, want type %s, status %d, a title, a detail and a request ID", p, typ, status)
	}
	return p
}

func staffPathOf(fase int) string { return fmt.Sprintf("/api/v1/schools/%d/staff", fase) }

func bearer(token string) string { return "Bearer " + token }
