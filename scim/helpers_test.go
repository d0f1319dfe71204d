package scim

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
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/internal/testkit"
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

// env is a real extranet served over HTTP as `extranet serve` serves it:
// the API server with the SCIM handler mounted, and two schools.
type env struct {
	t       testing.TB
	store   *extranetstore.Store
	svc     *extranet.Service
	ts      *httptest.Server
	now     time.Time
	tokenA  string
	revoked string // school A's first token, revoked by a rotation
	tokenB  string
}

func stores(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "extranet.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.URL(t)) })
}

func newEnv(t testing.TB, dbURL string) *env {
	t.Helper()
	e := &env{t: t, now: testNow}
	x := testkit.StartExtranet(t, testkit.ExtranetOptions{
		DB: dbURL, Now: func() time.Time { return e.now }, Log: slog.New(slog.DiscardHandler),
		Schools: []testkit.School{{FASE: faseA, Name: "École A"}, {FASE: faseB, Name: "École B"}},
		Mount: func(x *testkit.Extranet) {
			// As newExtranetServer mounts them.
			x.API.MountTree(Prefix, NewHandler(x.Service, Options{}))
			x.API.MountTree("/scim", OtherVersions())
		},
	})
	e.store, e.svc, e.ts = x.Store, x.Service, x.Server
	e.revoked, e.tokenB = x.Tokens[faseA], x.Tokens[faseB]
	var err error
	if e.tokenA, err = e.svc.RotateToken(context.Background(), faseA, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// do makes one request; body may be a string or a value to encode.
func (e *env) do(method, path, token string, body any, header ...string) (*http.Response, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.ts.URL+Prefix+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ContentType)
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
	var m map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &m); err != nil {
			e.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, data)
		}
		if ct := resp.Header.Get("Content-Type"); ct != ContentType {
			e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return resp, m
}

// want checks a status, and for an error its RFC 7644 form.
func (e *env) want(resp *http.Response, m map[string]any, status int, scimType string) {
	e.t.Helper()
	if resp.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d: %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, m)
	}
	if status < 400 {
		return
	}
	if m["status"] != fmt.Sprint(status) || m["detail"] == "" || m["detail"] == nil {
		e.t.Fatalf("error %v: want status %q as a string and a detail", m, fmt.Sprint(status))
	}
	if s, _ := m["schemas"].([]any); len(s) != 1 || s[0] != errorSchema {
		e.t.Fatalf("error schemas %v", m["schemas"])
	}
	if got, _ := m["scimType"].(string); got != scimType {
		e.t.Fatalf("scimType %q, want %q: %v", got, scimType, m)
	}
}

// user is a SCIM User body.
func user(userName, last, first, birth string) map[string]any {
	return map[string]any{
		"schemas":    []string{coreUser, extranetUser},
		"userName":   userName,
		"externalId": "ext-" + userName,
		"name":       map[string]any{"familyName": last, "givenName": first},
		"emails":     []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		extranetUser: map[string]any{"birthDate": birth, "role": "Enseignant"},
	}
}

// create posts a user and returns its id.
func (e *env) create(token string, body map[string]any) string {
	e.t.Helper()
	resp, m := e.do("POST", "/Users", token, body)
	e.want(resp, m, 201, "")
	id, _ := m["id"].(string)
	if id == "" || resp.Header.Get("Location") == "" || resp.Header.Get("ETag") == "" {
		e.t.Fatalf("created user without id, Location or ETag: %v %v", m, resp.Header)
	}
	return id
}

// grant returns the school's grant with this e-mail (target values).
func (e *env) grant(fase int, email string) (wire.GrantEntry, bool) {
	e.t.Helper()
	g, err := e.svc.Grants(context.Background(), fase, year)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range g.Staff {
		if s.Email == email {
			return s, true
		}
	}
	return wire.GrantEntry{}, false
}

// seed applies a snapshot of n teachers to a school.
func (e *env) seed(fase, n int) wire.Snapshot {
	e.t.Helper()
	snap := wire.Snapshot{SchoolYear: year}
	for i := range n {
		snap.Staff = append(snap.Staff, wire.StaffEntry{
			LastName: fmt.Sprintf("Nom%d", i), FirstName: "Prénom", BirthDate: fmt.Sprintf("1980-01-%02d", 1+i%28),
			Email: fmt.Sprintf("p%d@ecole%d.be", i, fase), Role: "Enseignant",
		})
	}
	if _, err := e.svc.Transfer(context.Background(), fase, snap, extranet.TransferOptions{Actor: "test"}); err != nil {
		e.t.Fatalf("seed: %v", err)
	}
	return snap
}

// ids lists the ids of a list answer's resources.
func ids(m map[string]any) []string {
	var out []string
	rs, _ := m["Resources"].([]any)
	for _, r := range rs {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	return out
}

func decodeJSON(s string) (map[string]any, error) {
	var m map[string]any
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
