package extranetstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/testkit"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// brussels returns a Brussels civil time.
func brussels(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, frtext.Brussels)
}

// env is a Service on a fresh database.
type env struct {
	svc   *extranet.Service
	st    *extranetstore.Store
	clock *testkit.Clock
	ctx   context.Context
	pg    bool

	// sent holds the last snapshot sent by e.transfer per school and
	// year, for checkResend.
	sent map[sentKey]wire.Snapshot
	// resent counts the re-sends checkResend made and compared.
	resent int
}

type sentKey struct {
	fase int
	year string
}

// each runs fn on SQLite and on PostgreSQL: the contract suite.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, newEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "extranet.db"), false))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, newEnv(t, pgtest.URL(t), true))
	})
}

func newEnv(t *testing.T, url string, pg bool) *env {
	t.Helper()
	ctx := context.Background()
	st, err := extranetstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := testkit.NewClock(brussels(2026, time.November, 26, 18, 3))
	svc := &extranet.Service{Store: st, Now: c.Now, Log: slog.New(slog.DiscardHandler), PortalURL: "https://extranet.test/"}
	return &env{svc: svc, st: st, clock: c, ctx: ctx, pg: pg, sent: map[sentKey]wire.Snapshot{}}
}

const year = "2026-2027"

func (e *env) addSchool(t *testing.T, fase int, name string) string {
	t.Helper()
	tok, err := e.svc.AddSchool(e.ctx, fase, name, "operator:test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) transfer(t *testing.T, fase int, snap wire.Snapshot) wire.TransferResult {
	t.Helper()
	res, err := e.svc.Transfer(e.ctx, fase, snap, extranet.TransferOptions{})
	if err != nil {
		t.Fatalf("Transfer(%d): %v", fase, err)
	}
	e.sent[sentKey{fase, snap.SchoolYear}] = snap
	e.checkResend(t)
	return res
}

// checkResend checks the re-sync contract, which the transfer digests
// once served from a cache: for every school's last snapshot sent through
// e.transfer, a full dry run tells what sending it again answers now; when
// that is "every entry unchanged" (a re-sync), the snapshot is sent again
// for real, as the API does, and must get exactly that answer, and a dry
// run after it must still answer so: re-sending an unchanged snapshot
// changes nothing that it reads.
func (e *env) checkResend(t *testing.T) {
	t.Helper()
	for k, snap := range e.sent {
		want, err := e.svc.Transfer(e.ctx, k.fase, snap, extranet.TransferOptions{DryRun: true})
		if err != nil || want.Counts != (wire.Counts{Unchanged: want.Counts.Unchanged}) {
			// Refused, held, or it changes something: not a re-sync.
			continue
		}
		e.resent++
		got, err := e.svc.Transfer(e.ctx, k.fase, snap, extranet.TransferOptions{})
		if err != nil {
			t.Fatalf("school %d, %s: a dry run answers %+v, the re-send fails: %v", k.fase, k.year, want.Counts, err)
		}
		after, err := e.svc.Transfer(e.ctx, k.fase, snap, extranet.TransferOptions{DryRun: true})
		if err != nil {
			t.Fatalf("school %d, %s: dry run after the re-send: %v", k.fase, k.year, err)
		}
		for _, r := range []*wire.TransferResult{&want, &got, &after} {
			r.TransferID, r.DryRun = "", false
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("school %d, %s: the re-send answers\n%+v\nthe dry run before it\n%+v", k.fase, k.year, got, want)
		}
		if !reflect.DeepEqual(after, want) {
			t.Fatalf("school %d, %s: after an unchanged re-send, a dry run answers\n%+v\nnot\n%+v", k.fase, k.year, after, want)
		}
	}
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.st.DB().Read().QueryRow(e.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// grants returns the school's grants by "Last First".
func (e *env) grants(t *testing.T, fase int) map[string]wire.GrantEntry {
	t.Helper()
	sg, err := e.svc.Grants(e.ctx, fase, year)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]wire.GrantEntry{}
	for _, g := range sg.Staff {
		out[g.LastName+" "+g.FirstName] = g
	}
	return out
}

// night runs the night at the next 02:00 and moves the clock there.
func (e *env) night(t *testing.T) extranet.NightReport {
	t.Helper()
	at := extranet.NextNight(e.clock.Now())
	e.clock.Set(at)
	rep, err := e.svc.Night(e.ctx, at, nil)
	if err != nil {
		t.Fatalf("Night: %v", err)
	}
	e.clock.Set(at.Add(8 * time.Hour))
	e.checkResend(t)
	return rep
}

func person(last, first, birth, matricule, email, role string) wire.StaffEntry {
	return wire.StaffEntry{LastName: last, FirstName: first, BirthDate: birth, Matricule: matricule, Email: email, Role: role}
}

func snapshot(staff ...wire.StaffEntry) wire.Snapshot {
	return wire.Snapshot{SchoolYear: year, Staff: staff}
}

// numbered returns n distinct staff entries named Prefix1…Prefixn.
func numbered(prefix string, n int) []wire.StaffEntry {
	var out []wire.StaffEntry
	for i := 1; i <= n; i++ {
		out = append(out, person(fmt.Sprintf("%s%02d", prefix, i), "Test", fmt.Sprintf("1980-01-%02d", i), "",
			fmt.Sprintf("%s%02d@ecole.be", prefix, i), "Enseignant"))
	}
	return out
}

func wantCounts(t *testing.T, got wire.Counts, want wire.Counts) {
	t.Helper()
	if got != want {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
}

func change(t *testing.T, r wire.TransferResult, action, last string) wire.Change {
	t.Helper()
	for _, c := range r.Changes {
		if c.Action == action && c.LastName == last {
			return c
		}
	}
	t.Fatalf("no %s change for %s in %+v", action, last, r.Changes)
	return wire.Change{}
}

func wantErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("err = %v (%T), want %T", err, err, target)
	}
	return target
}
