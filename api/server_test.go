package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// TestAuthorization runs every /api/ route with every kind of credential,
// and checks the status and that no school's grants changed on a refusal.
func TestAuthorization(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	e.seed(faseA, 6)
	e.seed(faseB, 6)
	// A snapshot that would change school A: one more person, one fewer.
	change := snapshot(faseA, 7).Staff[1:]
	body := mustJSON(t, wire.Snapshot{SchoolYear: year, Staff: change})

	routes := []struct {
		name, method string
		body         []byte
		ok           func(t *testing.T, data []byte)
	}{
		{"PUT staff", http.MethodPut, body, func(t *testing.T, data []byte) {
			var res wire.TransferResult
			if err := json.Unmarshal(data, &res); err != nil {
				t.Fatal(err)
			}
			if res.Counts.Created != 1 || res.Counts.Deactivated != 1 || res.TransferID == "" {
				t.Errorf("result %+v, want 1 created and 1 deactivated", res.Counts)
			}
		}},
		{"GET staff", http.MethodGet, nil, func(t *testing.T, data []byte) {
			var g wire.SchoolGrants
			if err := json.Unmarshal(data, &g); err != nil {
				t.Fatal(err)
			}
			// Six seeded, then the PUT above added one and deactivated
			// one, which stays listed.
			if want := e.grants()[0]; g.FASE != "4242" || len(g.Staff) != 7 || !equalGrants(g, want) {
				t.Errorf("grants %+v, want the 7 of school 4242: %+v", g, want)
			}
		}},
	}
	creds := []struct {
		name   string
		auth   string
		status int
		typ    string
		// challenge is the expected WWW-Authenticate, for a 401.
		challenge string
	}{
		{"no token", "", 401, wire.TypeUnauthorized, `Bearer realm="extranet"`},
		{"basic scheme", "Basic " + e.tokenA, 401, wire.TypeUnauthorized, `Bearer realm="extranet", error="invalid_request"`},
		{"bearer without token", "Bearer ", 401, wire.TypeUnauthorized, `Bearer realm="extranet", error="invalid_request"`},
		{"two words", "Bearer " + e.tokenA + " extra", 401, wire.TypeUnauthorized, `Bearer realm="extranet", error="invalid_request"`},
		{"unknown token", bearer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401, wire.TypeUnauthorized, `Bearer realm="extranet", error="invalid_token"`},
		{"revoked token", bearer(e.revoked), 401, wire.TypeUnauthorized, `Bearer realm="extranet", error="invalid_token"`},
		{"other school's token", bearer(e.tokenB), 403, wire.TypeForbidden, ""},
		{"right token, lower-case scheme", "bearer " + e.tokenA, 200, "", ""},
	}
	for _, rt := range routes {
		for _, c := range creds {
			t.Run(rt.name+"/"+c.name, func(t *testing.T) {
				before := e.grants()
				resp, data := e.call(rt.method, staffPathOf(faseA), c.auth, rt.body)
				if c.status == 200 {
					if resp.StatusCode != 200 {
						t.Fatalf("status %d: %s", resp.StatusCode, data)
					}
					rt.ok(t, data)
					if rt.method == http.MethodGet {
						e.sameGrants(before)
					} else if after := e.grants(); !equalGrants(after[1], before[1]) {
						t.Errorf("school B changed by school A's transfer")
					}
					return
				}
				problemOf(t, resp, data, c.status, c.typ)
				if got := resp.Header.Get("WWW-Authenticate"); got != c.challenge {
					t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
				}
				if strings.Contains(string(data), e.tokenA) || strings.Contains(string(data), e.tokenB) {
					t.Errorf("answer quotes a token: %s", data)
				}
				e.sameGrants(before)
			})
		}
	}
	// The same through school B's path with school A's token: forbidden,
	// and B unchanged.
	before := e.grants()
	resp, data := e.call(http.MethodPut, staffPathOf(faseB), bearer(e.tokenA), body)
	problemOf(t, resp, data, 403, wire.TypeForbidden)
	e.sameGrants(before)
	// A FASE that is not a number, with a valid token: refused the same way.
	resp, data = e.call(http.MethodGet, "/api/v1/schools/abc/staff", bearer(e.tokenA), nil)
	problemOf(t, resp, data, 403, wire.TypeForbidden)

	if logs := e.log.String(); strings.Contains(logs, e.tokenA) || strings.Contains(logs, e.tokenB) || strings.Contains(logs, e.revoked) {
		t.Errorf("the access log holds a token")
	}
}

func equalGrants(a, b wire.SchoolGrants) bool {
	return string(mustJSONAny(a)) == string(mustJSONAny(b))
}

func mustJSONAny(v any) []byte { b, _ := json.Marshal(v); return b }

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{MaxBodyBytes: 4 << 10})
	e.seed(faseA, 3)
	before := e.grants()
	big := mustJSON(t, snapshot(faseA, 100)) // about 12 KiB
	if len(big) <= 4<<10 {
		t.Fatalf("test body of %d bytes is not over the limit", len(big))
	}
	resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), big)
	p := problemOf(t, resp, data, http.StatusRequestEntityTooLarge, wire.TypeBodyTooLarge)
	if !strings.Contains(p.Detail, "4 Kio") {
		t.Errorf("detail %q does not give the limit", p.Detail)
	}
	// Without Content-Length (chunked), the limit holds while reading.
	req, _ := http.NewRequest(http.MethodPut, e.ts.URL+staffPathOf(faseA), io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Authorization", bearer(e.tokenA))
	req.ContentLength = -1
	resp2, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data2, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	problemOf(t, resp2, data2, http.StatusRequestEntityTooLarge, wire.TypeBodyTooLarge)
	e.sameGrants(before)
	// Under the limit, the same server accepts.
	resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 4)))
	if resp.StatusCode != 200 {
		t.Fatalf("small body: %d %s", resp.StatusCode, data)
	}
}

func TestMalformedBody(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	e.seed(faseA, 3)
	before := e.grants()
	for _, c := range []struct {
		name, body string
		errs       []wire.FieldError // expected, in order; nil: none listed
		detail     string            // expected in the detail
	}{
		{name: "truncated", body: `{"schoolYear": "2026-2027", "staff": [`, detail: "pas du JSON valide"},
		{name: "empty", body: ``, detail: "vide"},
		{name: "array", body: `[1, 2]`, detail: "objet JSON"},
		{name: "null", body: `null`, detail: "objet JSON"},
		{name: "trailing data", body: `{"schoolYear": "2026-2027"} {}`, detail: "pas du JSON valide"},
		{name: "unknown field", body: `{"schoolYear": "2026-2027", "staf": []}`,
			errs: []wire.FieldError{{Index: -1, Field: "staf"}}},
		{name: "duplicate key", body: `{"schoolYear": "2026-2027", "schoolYear": "2025-2026", "staff": []}`,
			errs: []wire.FieldError{{Index: -1, Field: "schoolYear"}}},
		{name: "duplicate key in an entry", body: `{"schoolYear": "2026-2027", "staff": [{"lastName": "Dupont", "firstName": "Jean",
			"birthDate": "1980-05-04", "email": "jean@ecole.be", "role": "Enseignant", "role": "Directeur"}]}`,
			errs: []wire.FieldError{{Index: 0, Field: "staff[0].role"}}},
		{name: "case matters", body: `{"SchoolYear": "2026-2027", "staff": []}`,
			errs: []wire.FieldError{{Index: -1, Field: "SchoolYear"}}},
		{name: "wrong types", body: `{"schoolYear": 2026, "confirmDeactivations": -1,
			"staff": [{"lastName": "Dupont"}, {"lastName": "Martin", "email": 12, "nickname": "x"}, 3],
			"keep": {"lastName": "Maes"}}`,
			errs: []wire.FieldError{
				{Index: -1, Field: "confirmDeactivations"},
				{Index: -1, Field: "keep"},
				{Index: -1, Field: "schoolYear"},
				{Index: 1, Field: "staff[1].email"},
				{Index: 1, Field: "staff[1].nickname"},
				{Index: 2, Field: "staff[2]"},
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), []byte(c.body))
			p := problemOf(t, resp, data, http.StatusBadRequest, wire.TypeMalformedRequest)
			if c.detail != "" && !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, c.detail)
			}
			if len(p.Errors) != len(c.errs) {
				t.Fatalf("errors %+v, want %+v", p.Errors, c.errs)
			}
			for i, want := range c.errs {
				got := p.Errors[i]
				if got.Index != want.Index || got.Field != want.Field || got.Message == "" {
					t.Errorf("error %d: %+v, want index %d field %s with a message", i, got, want.Index, want.Field)
				}
			}
		})
	}
	// Query and headers are checked too.
	resp, data := e.call(http.MethodPut, staffPathOf(faseA)+"?dryRun=peut-être", bearer(e.tokenA), mustJSON(t, snapshot(faseA, 3)))
	problemOf(t, resp, data, http.StatusBadRequest, wire.TypeMalformedRequest)
	resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 3)), "Content-Type", "text/csv")
	problemOf(t, resp, data, http.StatusUnsupportedMediaType, wire.TypeUnsupportedMediaType)
	resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 3)), "Idempotency-Key", "clé avec espaces")
	problemOf(t, resp, data, http.StatusBadRequest, wire.TypeMalformedRequest)
	resp, data = e.call(http.MethodGet, staffPathOf(faseA)+"?schoolYear=2026-2028", bearer(e.tokenA), nil)
	p := problemOf(t, resp, data, http.StatusBadRequest, wire.TypeMalformedRequest)
	if len(p.Errors) != 1 || p.Errors[0].Field != "schoolYear" {
		t.Errorf("errors %+v, want one on schoolYear", p.Errors)
	}
	e.sameGrants(before)
}

// TestInvalidEntriesRejected checks that an entry the extranet cannot take
// (an unreadable name, a wrong address, a date that does not exist) is a
// rejected entry with its reason while the others apply, and that only a
// fault of the whole snapshot (its year) refuses it with 422.
func TestInvalidEntriesRejected(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, ServerOptions{})
		e.seed(faseA, 3)
		snap := snapshot(faseA, 8)
		snap.Staff[1].Email = "pas-une-adresse"
		snap.Staff[3].BirthDate = "31/02/1980"
		snap.Staff[3].Role = ""
		snap.Staff[4].LastName = "Du\x00pont"
		snap.Staff[5].LastName = "\u202eLeroy"
		snap.Staff[6].FirstName = "---"
		snap.Keep = []wire.KeepEntry{{LastName: "\x01", FirstName: "Luc", BirthDate: "1961-02-02"}}

		bad := snap
		bad.SchoolYear = "2026-2028"
		resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, bad))
		p := problemOf(t, resp, data, http.StatusUnprocessableEntity, wire.TypeInvalidSnapshot)
		if len(p.Errors) != 1 || p.Errors[0].Field != "schoolYear" {
			t.Errorf("errors %+v, want only schoolYear", p.Errors)
		}

		resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snap))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		var res wire.TransferResult
		if err := json.Unmarshal(data, &res); err != nil {
			t.Fatal(err)
		}
		want := wire.Counts{Created: 1, Unchanged: 2, Rejected: 5}
		if res.Counts != want {
			t.Fatalf("counts %+v, want %+v", res.Counts, want)
		}
		reasons := map[string]string{}
		for _, c := range res.Changes {
			if c.Action == wire.ActionRejected {
				reasons[c.FirstName+" "+c.LastName] = c.Reason
			}
		}
		for name, part := range map[string]string{
			"Jean Martin":       "adresse e-mail",
			"Jean Dubois":       "date de naissance",
			"Jean Du\uFFFDpont": "nom illisible",
			"Jean \uFFFDLeroy":  "nom illisible",
			"--- Maes":          "prénom sans lettre",
		} {
			if !strings.Contains(reasons[name], part) {
				t.Errorf("reason for %q = %q, want one with %q (all: %q)", name, reasons[name], part, reasons)
			}
		}
		// Martin's grant, named by a rejected line, is neither changed nor
		// deactivated.
		g, err := e.svc.Grants(context.Background(), faseA, year)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Staff) != 4 {
			t.Errorf("%d grants, want 4: %+v", len(g.Staff), g.Staff)
		}
		for _, s := range g.Staff {
			if s.State == extranet.GrantDeactivated {
				t.Errorf("deactivated: %+v", s)
			}
		}
	})
}

func TestGuardThenConfirm(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, ServerOptions{})
		e.seed(faseA, 10)
		e.seed(faseB, 4)
		before := e.grants()
		snap := snapshot(faseA, 10)
		snap.Staff = snap.Staff[:5] // five leave: over max(4, 20 %)
		resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snap))
		p := problemOf(t, resp, data, http.StatusConflict, wire.TypeDeactivationThreshold)
		if p.Deactivations != 5 || len(p.Changes) != 5 {
			t.Fatalf("deactivations %d, %d changes; want 5 and 5", p.Deactivations, len(p.Changes))
		}
		for _, c := range p.Changes {
			if c.Action != wire.ActionDeactivated || c.LastName == "" {
				t.Errorf("change %+v is not a named deactivation", c)
			}
		}
		e.sameGrants(before)

		snap.ConfirmDeactivations = 5
		resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snap))
		if resp.StatusCode != 200 {
			t.Fatalf("confirmed: %d %s", resp.StatusCode, data)
		}
		var res wire.TransferResult
		if err := json.Unmarshal(data, &res); err != nil {
			t.Fatal(err)
		}
		if res.Counts.Deactivated != 5 || res.Counts.Unchanged != 5 {
			t.Errorf("counts %+v, want 5 deactivated and 5 unchanged", res.Counts)
		}
		if after := e.grants(); !equalGrants(after[1], before[1]) {
			t.Errorf("school B changed")
		}
	})
}

func TestDryRun(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	e.seed(faseA, 3)
	before := e.grants()
	resp, data := e.call(http.MethodPut, staffPathOf(faseA)+"?dryRun=true", bearer(e.tokenA), mustJSON(t, snapshot(faseA, 5)),
		"Idempotency-Key", "apercu-1")
	if resp.StatusCode != 200 {
		t.Fatalf("dry run: %d %s", resp.StatusCode, data)
	}
	var res wire.TransferResult
	json.Unmarshal(data, &res)
	if !res.DryRun || res.Counts.Created != 2 || res.Counts.Unchanged != 3 {
		t.Errorf("dry run result %+v, want dryRun and 2 created, 3 unchanged", res)
	}
	e.sameGrants(before)
	// The key of the preview is not spent: the real transfer under the same
	// key is applied, not answered with the preview.
	resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 5)),
		"Idempotency-Key", "apercu-1")
	var real wire.TransferResult
	json.Unmarshal(data, &real)
	if resp.StatusCode != 200 || real.DryRun || real.Counts.Created != 2 {
		t.Fatalf("real transfer after preview: %d %s", resp.StatusCode, data)
	}
}

func TestIdempotencyReplay(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, ServerOptions{})
		e.seed(faseA, 3)
		body := mustJSON(t, snapshot(faseA, 5))
		resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body, "Idempotency-Key", "k-1")
		if resp.StatusCode != 200 {
			t.Fatalf("first: %d %s", resp.StatusCode, data)
		}
		var first wire.TransferResult
		json.Unmarshal(data, &first)
		if first.Counts.Created != 2 {
			t.Fatalf("first result %+v, want 2 created", first.Counts)
		}
		after := e.grants()

		resp, data2 := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body, "Idempotency-Key", "k-1")
		if resp.StatusCode != 200 {
			t.Fatalf("replay: %d %s", resp.StatusCode, data2)
		}
		var replay wire.TransferResult
		json.Unmarshal(data2, &replay)
		if replay.TransferID != first.TransferID || replay.Counts != first.Counts {
			t.Errorf("replay %+v, want the first result %+v", replay, first)
		}
		e.sameGrants(after)

		// The same key with another body is refused.
		resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 6)), "Idempotency-Key", "k-1")
		problemOf(t, resp, data, http.StatusUnprocessableEntity, wire.TypeIdempotencyKeyReused)
		e.sameGrants(after)
	})
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, data := e.call(http.MethodGet, path, "", nil)
		if resp.StatusCode != 200 || string(data) != "ok\n" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, data)
		}
	}
	resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), mustJSON(t, snapshot(faseA, 3)))
	if resp.StatusCode != 200 {
		t.Fatalf("transfer: %d %s", resp.StatusCode, data)
	}
	e.call(http.MethodPut, staffPathOf(faseA), "", mustJSON(t, snapshot(faseA, 3)))
	e.srv.ObserveNight(extranet.NightReport{Started: testNow, Finished: testNow.Add(3e9), Activated: 3, Sent: 3}, nil)
	e.srv.ObserveNight(extranet.NightReport{}, extranet.ErrNightRunning)

	resp, data = e.call(http.MethodGet, "/metrics", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`passerelle_extranet_transfers_total{outcome="applied"} 1`,
		`passerelle_extranet_transfers_total{outcome="unauthorized"} 1`,
		`passerelle_extranet_transfers_total{outcome="held"} 0`,
		`passerelle_extranet_transfer_records_received_total{list="staff"} 3`,
		`passerelle_extranet_transfer_duration_seconds_count 1`,
		`passerelle_extranet_night_runs_total{outcome="ok"} 1`,
		`passerelle_extranet_night_runs_total{outcome="already_running"} 1`,
		`passerelle_extranet_night_run_duration_seconds_sum 3`,
		`passerelle_extranet_night_grants_total{change="activated"} 3`,
		`passerelle_extranet_http_requests_total{code="200",route="PUT /api/v1/schools/{fase}/staff"} 1`,
		`passerelle_extranet_http_requests_in_flight 1`, // this very request
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Closing the database makes the server not ready, but still alive.
	e.store.Close()
	resp, data = e.call(http.MethodGet, "/readyz", "", nil)
	problemOf(t, resp, data, http.StatusServiceUnavailable, wire.TypeUnavailable)
	resp, _ = e.call(http.MethodGet, "/healthz", "", nil)
	if resp.StatusCode != 200 {
		t.Errorf("healthz with the database closed: %d", resp.StatusCode)
	}
}

func TestRoutingProblemsAndRequestIDs(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	resp, data := e.call(http.MethodGet, "/api/v1/nowhere", bearer(e.tokenA), nil)
	problemOf(t, resp, data, http.StatusNotFound, wire.TypeNotFound)
	resp, data = e.call(http.MethodPost, staffPathOf(faseA), bearer(e.tokenA), []byte(`{}`))
	problemOf(t, resp, data, http.StatusMethodNotAllowed, wire.TypeMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "PUT") || !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q", allow)
	}

	// A proxy's request ID is kept; a hostile one is replaced.
	resp, data = e.call(http.MethodGet, staffPathOf(faseA), "", nil, "X-Request-ID", "proxy-123")
	p := problemOf(t, resp, data, http.StatusUnauthorized, wire.TypeUnauthorized)
	if resp.Header.Get("X-Request-ID") != "proxy-123" || p.RequestID != "proxy-123" {
		t.Errorf("request ID %q / %q, want proxy-123", resp.Header.Get("X-Request-ID"), p.RequestID)
	}
	resp, _ = e.call(http.MethodGet, "/healthz", "", nil, "X-Request-ID", "x\" injected=1")
	if id := resp.Header.Get("X-Request-ID"); !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id) {
		t.Errorf("request ID %q, want a fresh one", id)
	}

	// The access log is JSON with the request ID, the route and the status.
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(e.log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["request_id"] == "proxy-123" && rec["status"] == float64(401) && rec["route"] == "GET /api/v1/schools/{fase}/staff" {
			found = true
		}
	}
	if !found {
		t.Errorf("no access log line for proxy-123:\n%s", e.log.String())
	}
}

// TestMount checks that the portal can add its pages beside the API and
// that they go through the same middleware.
func TestMount(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	e.srv.Mount("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("portail"))
	}))
	resp, data := e.call(http.MethodGet, "/", "", nil)
	if resp.StatusCode != 200 || string(data) != "portail" || resp.Header.Get("X-Request-ID") == "" {
		t.Errorf("mounted page: %d %q", resp.StatusCode, data)
	}
}

// TestEmptyLists checks that lists are JSON arrays, never null, even empty.
func TestEmptyLists(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	resp, data := e.call(http.MethodPut, staffPathOf(faseB), bearer(e.tokenB), []byte(`{"schoolYear": "2026-2027"}`))
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"changes":[]`) {
		t.Errorf("empty transfer: %d %s", resp.StatusCode, data)
	}
	resp, data = e.call(http.MethodGet, staffPathOf(faseB), bearer(e.tokenB), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"staff":[]`) {
		t.Errorf("no grants: %d %s", resp.StatusCode, data)
	}
}

// TestResend: the same body sent again answers what a dry run predicted,
// every entry unchanged, and counts as a re-sync; another school's token
// never reaches the school.
func TestResend(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, ServerOptions{})
		body := mustJSON(t, snapshot(faseA, 4))
		resp, data := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body)
		if resp.StatusCode != 200 {
			t.Fatalf("first: %d %s", resp.StatusCode, data)
		}
		// What a full reconciliation answers now: a dry run.
		_, dry := e.call(http.MethodPut, staffPathOf(faseA)+"?dryRun=true", bearer(e.tokenA), body)
		resp, again := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body, "Idempotency-Key", "r-1")
		if resp.StatusCode != 200 {
			t.Fatalf("again: %d %s", resp.StatusCode, again)
		}
		var full, fast map[string]any
		if err := json.Unmarshal(dry, &full); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &fast); err != nil {
			t.Fatal(err)
		}
		if fast["transferId"] == full["transferId"] || fast["dryRun"] != false {
			t.Fatalf("answer %s", again)
		}
		for _, k := range []string{"transferId", "dryRun"} {
			delete(full, k)
			delete(fast, k)
		}
		if !reflect.DeepEqual(full, fast) {
			t.Fatalf("re-sent:\n%s\nfull reconciliation:\n%s", again, dry)
		}
		if !strings.Contains(string(again), `"counts":{"created":0,"modified":0,"deactivated":0,"unchanged":4,"rejected":0}`) {
			t.Fatalf("answer %s", again)
		}
		// The key now holds that answer.
		_, replay := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body, "Idempotency-Key", "r-1")
		if string(replay) != string(again) {
			t.Fatalf("replay %s, want %s", replay, again)
		}
		// School B sending A's body is a transfer of its own: created.
		resp, other := e.call(http.MethodPut, staffPathOf(faseB), bearer(e.tokenB), mustJSON(t, snapshot(faseB, 4)))
		if resp.StatusCode != 200 || !strings.Contains(string(other), `"created":4`) {
			t.Fatalf("school B: %d %s", resp.StatusCode, other)
		}
		resp, cross := e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenB), body)
		problemOf(t, resp, cross, http.StatusForbidden, wire.TypeForbidden)

		_, metrics := e.call(http.MethodGet, "/metrics", "", nil)
		if !strings.Contains(string(metrics), "passerelle_extranet_transfers_resent_total 2") {
			t.Errorf("metrics: resent count missing or wrong")
		}
	})
}

// TestOneTransferPerSchoolAtOnce holds a school's transfer in flight (its
// body still arriving) and sends that school's 15 others at once: each is
// refused with 429 and Retry-After without its body being read, while
// another school's transfer goes through.
func TestOneTransferPerSchoolAtOnce(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	body := mustJSON(t, snapshot(faseA, 3))
	pr, pw := io.Pipe()
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPut, e.ts.URL+staffPathOf(faseA), pr)
		req.Header.Set("Authorization", bearer(e.tokenA))
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	if _, err := pw.Write(body[:10]); err != nil {
		t.Fatal(err)
	}
	// Wait until the first transfer is inside, reading its body.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		e.srv.gate.mu.Lock()
		inside := e.srv.gate.school[faseA]
		e.srv.gate.mu.Unlock()
		if inside {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first transfer never started")
		}
	}

	var wg sync.WaitGroup
	statuses := make([]int, 15)
	retry := make([]string, 15)
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPut, e.ts.URL+staffPathOf(faseA), bytes.NewReader(body))
			req.Header.Set("Authorization", bearer(e.tokenA))
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i], retry[i] = resp.StatusCode, resp.Header.Get("Retry-After")
		})
	}
	wg.Wait()
	for i := range statuses {
		if statuses[i] != http.StatusTooManyRequests || retry[i] == "" {
			t.Errorf("transfer %d beside one in flight: %d, Retry-After %q; want 429 with Retry-After", i, statuses[i], retry[i])
		}
	}
	resp, data := e.call(http.MethodPut, staffPathOf(faseB), bearer(e.tokenB), mustJSON(t, snapshot(faseB, 2)))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another school's transfer: %d %s", resp.StatusCode, data)
	}

	pw.Write(body[10:])
	pw.Close()
	if got := <-first; got != http.StatusOK {
		t.Fatalf("the transfer in flight: %d", got)
	}
	resp, data = e.call(http.MethodPut, staffPathOf(faseA), bearer(e.tokenA), body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the next transfer: %d %s", resp.StatusCode, data)
	}
}

// TestAccessLogCapsClientInput sends anonymous requests whose path and
// User-Agent fill the headers: each access log line stays short.
func TestAccessLogCapsClientInput(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	long := strings.Repeat("x", 30<<10)
	for range 10 {
		e.call(http.MethodGet, "/api/"+long, "", nil, "User-Agent", long)
	}
	lines := strings.Split(strings.TrimSpace(e.log.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d log lines, want 10", len(lines))
	}
	for _, l := range lines {
		if len(l) > 1024 {
			t.Fatalf("log line of %d bytes: %.200s…", len(l), l)
		}
	}
}

// A request's access line is an error for the server's faults only.
func TestAccessLevel(t *testing.T) {
	for status, want := range map[int]slog.Level{200: slog.LevelInfo, 404: slog.LevelInfo, 429: slog.LevelInfo,
		500: slog.LevelError, 501: slog.LevelInfo, 503: slog.LevelError} {
		if got := accessLevel(status); got != want {
			t.Errorf("status %d: %v, want %v", status, got, want)
		}
	}
}
