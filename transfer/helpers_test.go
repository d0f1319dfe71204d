package transfer

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/testkit"
	"passerelle/mail"
	"passerelle/school"
	"passerelle/store/schoolstore"
)

// testNow is a Thursday evening of the 2026-2027 school year.
var testNow = time.Date(2026, 11, 26, 18, 0, 0, 0, frtext.Brussels)

const testFASE = 4242

// env is a real extranet over HTTP and a real school store, both on SQLite,
// with one school registered on both sides.
type env struct {
	t      *testing.T
	ctx    context.Context
	clock  *testkit.Clock
	svc    *extranet.Service
	ts     *httptest.Server
	token  string
	school *schoolstore.Store
	runner *Runner
	rows   map[string]school.Row // by last name, as stored
}

// newEnv starts the extranet behind handler(wrapped) and a school with rows.
// wrap, when not nil, wraps the API handler (a proxy that drops an answer, a
// flaky front).
func newEnv(t *testing.T, rows []school.Row, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	ctx := context.Background()
	c := testkit.NewClock(testNow)
	dir := t.TempDir()
	x := testkit.StartExtranet(t, testkit.ExtranetOptions{
		Now: c.Now, Log: slog.New(slog.DiscardHandler), Wrap: wrap,
		Schools: []testkit.School{{FASE: testFASE, Name: "École fondamentale Saint-Joseph"}},
	})
	svc, ts, token := x.Service, x.Server, x.Tokens[testFASE]

	ss, err := schoolstore.Open(ctx, "sqlite:"+filepath.Join(dir, "school.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	if err := ss.SaveSchool(ctx, school.School{FASE: testFASE, Name: "École fondamentale Saint-Joseph"}); err != nil {
		t.Fatal(err)
	}
	if err := ss.SaveSettings(ctx, school.Settings{FASE: testFASE, ExtranetURL: ts.URL, Token: token, AutoHour: school.DefaultAutoHour}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, clock: c, svc: svc, ts: ts, token: token, school: ss, rows: map[string]school.Row{}}
	e.runner = &Runner{
		Store: ss, Tables: fwb.DefaultTables(), Now: c.Now,
		NewClient: func(url, token string) Extranet {
			// One attempt: the tests that need the client's retries say so.
			return apiclient.NewClient(url, token, apiclient.WithRetries(1, 0), apiclient.WithTimeout(5*time.Second))
		},
	}
	e.save(rows...)
	return e
}

// save stores rows (new or changed) and remembers them by last name.
func (e *env) save(rows ...school.Row) {
	e.t.Helper()
	if len(rows) == 0 {
		return
	}
	saved, err := e.school.SaveRows(e.ctx, testFASE, rows)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range saved {
		e.rows[r.Member.LastName] = r
	}
}

// row returns the stored row of a member, read back from the store.
func (e *env) row(last string) school.Row {
	e.t.Helper()
	r, err := e.school.Row(e.ctx, testFASE, e.rows[last].Situation.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) run(opt Options) (Outcome, error) {
	e.t.Helper()
	if opt.By == "" {
		opt.By = "Anne Direction"
	}
	return e.runner.Run(e.ctx, testFASE, opt)
}

// history returns the school's transfers, oldest first.
func (e *env) history() []school.TransferRecord {
	e.t.Helper()
	recs, err := e.school.Transfers(e.ctx, testFASE, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	slices.SortFunc(recs, func(a, b school.TransferRecord) int { return int(a.ID - b.ID) })
	return recs
}

// allRows returns every stored row, sorted by situation, to compare states.
func (e *env) allRows() []school.Row {
	e.t.Helper()
	rows, err := e.school.Rows(e.ctx, testFASE)
	if err != nil {
		e.t.Fatal(err)
	}
	slices.SortFunc(rows, func(a, b school.Row) int { return int(a.Situation.ID - b.Situation.ID) })
	return rows
}

func (e *env) night() {
	e.t.Helper()
	if _, err := e.svc.Night(e.ctx, e.clock.Now().Add(12*time.Hour), discard{}); err != nil {
		e.t.Fatal(err)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// member builds a row: a situation started on 1 September 2015, Actif and
// Présent, in function fn with the encoded role (may be empty).
func member(last, first, birth, matricule, email, fn string, role fwb.Role) school.Row {
	var bd time.Time
	if birth != "" {
		var err error
		if bd, err = time.Parse(time.DateOnly, birth); err != nil {
			panic(err)
		}
	}
	t := fwb.DefaultTables()
	charge, err := fwb.ParseCharge("24/24", fn, t)
	if err != nil {
		charge = nil
	}
	f, _ := t.Function(fn)
	return school.Row{
		Member: school.Member{LastName: last, FirstName: first, BirthDate: bd, Matricule: matricule, SchoolEmail: email},
		Situation: school.Situation{
			FASE: testFASE, Start: date(2015, 9, 1), Present: true, Active: true, Status: "D",
			Function: fn, Promotion: f.Director, Charge: charge, Role: role,
		},
	}
}

// lines joins messages for failure output.
func lines(ls []string) string { return "\n" + strings.Join(ls, "\n") }

// discard is a mail sender that drops the night run's e-mails: these tests
// look at grants, not at invitations.
type discard struct{}

func (discard) Send(context.Context, mail.Message) error { return nil }
func (discard) Close() error                             { return nil }
