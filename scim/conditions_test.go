package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

// RFC 9110 §13.1.2 (RFC 7644 §3.14): a PUT, PATCH or DELETE whose
// If-None-Match names the user's version, or is "*", is not performed
// (412); a GET answers 304.
func TestIfNoneMatchOnWrites(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		etag := resp.Header.Get("ETag")
		patch := ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."})
		put := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		put["displayName"] = "Anne M."
		for _, h := range []string{"*", etag, `W/"autre", ` + etag} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, patch, "If-None-Match", h)
			e.want(resp, m, 412, "")
			resp, m = e.do("PUT", "/Users/"+id, e.tokenA, put, "If-None-Match", h)
			e.want(resp, m, 412, "")
			resp, m = e.do("DELETE", "/Users/"+id, e.tokenA, nil, "If-None-Match", h)
			e.want(resp, m, 412, "")
		}
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		if resp.StatusCode != 200 || m["displayName"] == "Anne M." || resp.Header.Get("ETag") != etag {
			t.Fatalf("a refused write changed the user: %d %v", resp.StatusCode, m)
		}
		// Another version: the write is performed.
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, patch, "If-None-Match", `W/"autre"`)
		e.want(resp, m, 200, "")
		if m["displayName"] != "Anne M." {
			t.Fatalf("not applied: %v", m)
		}
		resp, m = e.do("DELETE", "/Users/"+id, e.tokenA, nil, "If-None-Match", etag)
		e.want(resp, m, 204, "")
	})
}

// RFC 7644 §3.4.2.2: a filter must hold an expression; a blank one is
// refused, not read as no filter (which listed the whole school).
func TestBlankFilterRefused(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		for _, q := range []string{"?filter=", "?filter=%20%20", "?filter=%09&count=5"} {
			resp, m := e.do("GET", "/Users"+q, e.tokenA, nil)
			e.want(resp, m, 400, "invalidFilter")
		}
		for _, f := range []string{"", "   "} {
			resp, m := e.do("POST", "/Users/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}, "filter": f})
			e.want(resp, m, 400, "invalidFilter")
		}
		// No filter at all lists the school.
		resp, m := e.do("GET", "/Users", e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["totalResults"] != float64(1) {
			t.Fatalf("%v", m)
		}
		resp, m = e.do("POST", "/Users/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}})
		e.want(resp, m, 200, "")
	})
}

// A search is POST only (RFC 7644 §3.4.3): another method on
// /Users/.search is not taken for a user's id.
func TestSearchOtherMethods(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	for _, p := range []string{"/Users/.SEARCH", "/users/.Search", "/.SEARCH"} {
		resp, body := e.do("POST", p, e.tokenA, map[string]any{"schemas": []string{searchSchema}})
		e.want(resp, body, 200, "")
	}
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		for _, p := range []string{"/Users/.search", "/.search", "/Users/.SEARCH"} {
			resp, body := e.do(m, p, e.tokenA, nil)
			e.want(resp, body, 405, "")
			if resp.Header.Get("Allow") != "POST" {
				t.Errorf("%s %s: Allow %q", m, p, resp.Header.Get("Allow"))
			}
		}
	}
}

// A path not in its clean form is served as its clean form (a base
// address given with a final slash makes "/scim/v2//Users"), with a SCIM
// answer, never the router's HTML redirect; one whose clean form leaves
// the service is not found.
func TestUncleanPaths(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
	client := *e.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for p, status := range map[string]int{
		Prefix + "//Users":              200,
		Prefix + "/./Users":             200,
		Prefix + "/Users/../Users":      200,
		Prefix + "//Users//" + id:       200,
		"//scim/v2/Users":               200,
		"/scim//v2/Users":               200,
		Prefix + "/../api/v1/schools/1": 404,
		Prefix + "/..":                  404,
		// Escapes stay characters of a segment, as the mux reads them.
		Prefix + "/Users/x%2F..%2F" + id:     404,
		Prefix + "//Users/x%2F..%2F" + id:    404,
		Prefix + "/Users/%2e%2e/Users/" + id: 404,
		// A final slash and an endpoint's name in another case are the
		// endpoint (Microsoft's reference tests write "/users" and
		// "/Users/?filter=…").
		Prefix + "/Users/":                200,
		Prefix + "//Users/":               200,
		Prefix + "/users":                 200,
		Prefix + "/USERS/" + id + "/":     200,
		Prefix + "/serviceproviderconfig": 200,
		Prefix + "/schemas/":              200,
		Prefix + "/resourcetypes/User":    200,
		Prefix + "/Userz":                 404,
		Prefix + "/u%73ers":               200,
		Prefix + "/Users/" + id + "x":     404,
		// A harmless escape is read as the mux reads it.
		Prefix + "//Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser": 200,
	} {
		req, err := http.NewRequest("GET", e.ts.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.tokenA)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != ContentType {
			t.Errorf("%s: %d %s, want %d", p, resp.StatusCode, resp.Header.Get("Content-Type"), status)
		}
	}
	// A DELETE by an escaped path deletes nothing; no API path reaches
	// SCIM.
	resp, m := e.do("DELETE", "/Users/x%2F..%2F"+id, e.tokenA, nil)
	e.want(resp, m, 404, "")
	resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
	e.want(resp, m, 200, "")
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/..%2F..%2Fscim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokenA)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 || resp.Header.Get("Content-Type") == ContentType {
		t.Fatalf("an API path answered by SCIM: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// An inactive user takes no value that an active one would be refused, and
// a DELETE of a user whose kept values are long still works.
func TestInactiveUserValuesChecked(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")
		long := strings.Repeat("x", 300)
		for _, op := range []map[string]any{
			{"op": "replace", "path": "externalId", "value": long},
			{"op": "replace", "path": "externalId", "value": "a\u0000b"},
			{"op": "replace", "path": "displayName", "value": "cloche\u0007"},
			{"op": "replace", "path": "userName", "value": long},
		} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(op))
			e.want(resp, m, 400, "invalidValue")
		}
		// A required attribute taken away or blanked: mutability (RFC
		// 7644 §3.5.2.2).
		for _, op := range []map[string]any{
			{"op": "replace", "path": "userName", "value": ""},
			{"op": "replace", "path": "userName", "value": "   "},
			{"op": "replace", "value": map[string]any{"userName": " ", "active": false}},
			{"op": "remove", "path": "userName"},
		} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(op))
			e.want(resp, m, 400, "mutability")
		}
		// What it may take, it takes; then it comes back.
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "externalId", "value": "ext-2"}))
		e.want(resp, m, 200, "")
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": true}))
		e.want(resp, m, 200, "")
		if m["active"] != true || m["externalId"] != "ext-2" {
			t.Fatalf("%v", m)
		}
		resp, m = e.do("DELETE", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 204, "")
	})
}

// RFC 7644 §3.5.2.2: a removed attribute is unassigned; the role then is
// the default one, as at creation.
func TestRemoveRoleGivesTheDefault(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		body[extranetUser] = map[string]any{"birthDate": "1980-01-02", "role": "Directeur"}
		id := e.create(e.tokenA, body)
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "remove", "path": extranetUser + ":role"}))
		e.want(resp, m, 200, "")
		ext, _ := m[extranetUser].(map[string]any)
		if ext["role"] != DefaultRole {
			t.Fatalf("role after remove: %v", m)
		}
	})
}

// A PATCH applies all its operations or none (RFC 7644 §3.5.2): a bad path
// after a good operation leaves the user as it was.
func TestPatchAtomic(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(
			map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."},
			map[string]any{"op": "replace", "path": "displayName.foo", "value": "x"},
		))
		e.want(resp, m, 400, "invalidPath")
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["displayName"] == "Anne M." {
			t.Fatalf("half applied: %v", m)
		}
	})
}

// A value no column can hold is refused before it reaches the database: a
// NUL in externalId answered 500 on PostgreSQL.
func TestControlCharactersRefused(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		body["externalId"] = "a\u0000b"
		resp, m := e.do("POST", "/Users", e.tokenA, body)
		e.want(resp, m, 400, "invalidValue")
		body["externalId"] = "a\u0007b"
		resp, m = e.do("POST", "/Users", e.tokenA, body)
		e.want(resp, m, 400, "invalidValue")
	})
}

// Microsoft Entra writes booleans as "True" and "False", in value paths
// too: emails[primary eq "True"] selects the primary address.
func TestPatchFilterOnEntraBoolean(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		for _, op := range []string{"Replace", "Add"} {
			resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": op, "path": `emails[primary eq "True"].value`, "value": "anne.martin@ecole.be"}))
			e.want(resp, m, 200, "")
			emails, _ := m["emails"].([]any)
			if len(emails) != 1 || emails[0].(map[string]any)["value"] != "anne.martin@ecole.be" {
				t.Fatalf("%s: %v", op, m)
			}
		}
		resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(`active eq "True"`), e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["totalResults"] != float64(1) {
			t.Fatalf("active eq \"True\": %v", m)
		}
	})
}

// A schema no one knows: in a filter, refused and named as such; in a
// PATCH, its attributes are ignored (an identity provider's own extension,
// as in a POST or a PUT), and do not hold back a deactivation beside them.
func TestUnknownSchemaNamed(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
	resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(
		map[string]any{"op": "replace", "path": "urn:example:scim:schemas:2.0:User:team", "value": "x"},
		map[string]any{"op": "replace", "value": map[string]any{"urn:example:scim:schemas:2.0:User": map[string]any{"team": "y"}, "active": false}},
	))
	e.want(resp, m, 200, "")
	if m["active"] != false {
		t.Fatalf("not deactivated: %v", m)
	}
	resp, m = e.do("GET", "/Users?filter="+url.QueryEscape(`urn:example:scim:schemas:2.0:User:team eq "x"`), e.tokenA, nil)
	e.want(resp, m, 400, "invalidFilter")
	if !strings.Contains(m["detail"].(string), "schéma inconnu") {
		t.Fatalf("%v", m)
	}
}

// Two writes of one user at once, with the same If-Match: one is
// performed, the other fails its precondition (412); neither's change is
// lost. On PostgreSQL the second once read the user as it was before the
// first, having waited for the school's lock in the statement that read
// it: both were performed, and the first one's change was overwritten.
func TestConcurrentWritesWithIfMatch(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		// patch runs in its own goroutine: it reports, it does not fail
		// the test.
		patch := func(attr, value, ifMatch string) (int, error) {
			b, _ := json.Marshal(ops(map[string]any{"op": "replace", "path": attr, "value": value}))
			req, err := http.NewRequest("PATCH", e.ts.URL+Prefix+"/Users/"+id, bytes.NewReader(b))
			if err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", "Bearer "+e.tokenA)
			req.Header.Set("Content-Type", ContentType)
			if ifMatch != "" {
				req.Header.Set("If-Match", ifMatch)
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		both := func(round int, ifMatch string) (int, int) {
			t.Helper()
			type result struct {
				status int
				err    error
			}
			results := make(chan result, 2)
			for k, attr := range []string{"displayName", "externalId"} {
				go func() {
					status, err := patch(attr, fmt.Sprintf("v%d-%d", round, k), ifMatch)
					results <- result{status, err}
				}()
			}
			a, b := <-results, <-results
			if a.err != nil || b.err != nil {
				t.Fatalf("round %d: %v %v", round, a.err, b.err)
			}
			return a.status, b.status
		}
		for round := range 10 {
			resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
			e.want(resp, m, 200, "")
			a, b := both(round, resp.Header.Get("ETag"))
			if !(a == 200 && b == 412 || a == 412 && b == 200) {
				t.Fatalf("round %d: %d and %d, want one 200 and one 412", round, a, b)
			}
		}
		// Without If-Match, both are performed, and both changes stay.
		for round := 10; round < 20; round++ {
			if a, b := both(round, ""); a != 200 || b != 200 {
				t.Fatalf("round %d: %d and %d", round, a, b)
			}
			resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
			e.want(resp, m, 200, "")
			if m["displayName"] != fmt.Sprintf("v%d-0", round) || m["externalId"] != fmt.Sprintf("v%d-1", round) {
				t.Fatalf("round %d: a change was lost: displayName %v, externalId %v", round, m["displayName"], m["externalId"])
			}
		}
	})
}

// /Users exists and has no entity tag (RFC 9110 §13.1.1–2): If-Match holds
// only as "*", If-None-Match only without "*"; a 304 carries the 200's
// Cache-Control.
func TestCollectionConditions(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	resp, m := e.do("POST", "/Users", e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"), "If-Match", `W/"x"`)
	e.want(resp, m, 412, "")
	resp, m = e.do("POST", "/Users", e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"), "If-None-Match", "*")
	e.want(resp, m, 412, "")
	resp, m = e.do("GET", "/Users", e.tokenA, nil, "If-Match", `W/"x"`)
	e.want(resp, m, 412, "")
	resp, _ = e.do("GET", "/Users", e.tokenA, nil, "If-None-Match", "*")
	if resp.StatusCode != 304 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /Users If-None-Match *: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	// What holds lets the request through.
	id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
	resp, m = e.do("GET", "/Users", e.tokenA, nil, "If-Match", "*", "If-None-Match", `W/"x"`)
	e.want(resp, m, 200, "")
	resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
	e.want(resp, m, 200, "")
	resp, _ = e.do("GET", "/Users/"+id, e.tokenA, nil, "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != 304 || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET a user, not modified: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
	}
}

// meta.resourceType, meta.version and meta.location compare with their
// case (RFC 7643 §3.1, §2.3.7).
func TestMetaFiltersCaseExact(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
	for f, n := range map[string]float64{
		`meta.resourceType eq "User"`: 1,
		`meta.resourceType eq "user"`: 0,
		`meta.location co "/Users/"`:  1,
		`meta.location co "/USERS/"`:  0,
	} {
		resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(f), e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["totalResults"] != n {
			t.Errorf("%s: %v, want %v", f, m["totalResults"], n)
		}
	}
}

// A sub-attribute of emails without a value filter is that of each address
// (RFC 7644 §3.5.2).
func TestPatchEverySubAttribute(t *testing.T) {
	res := aUser()
	if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": "emails.value", "value": "anne.martin@ecole.be"})); err != nil {
		t.Fatal(err.Detail)
	}
	if in, err := parseUser(res, extranet.SCIMUserInput{}); err != nil || in.Email != "anne.martin@ecole.be" {
		t.Fatalf("%+v %v", in, err)
	}
	if err := applyPatch(res, jsonOps(map[string]any{"op": "add", "path": "emails.type", "value": "work"})); err != nil {
		t.Fatal(err.Detail)
	}
	if err := applyPatch(res, jsonOps(map[string]any{"op": "remove", "path": "emails.value"})); err != nil {
		t.Fatal(err.Detail)
	}
	if in, err := parseUser(res, extranet.SCIMUserInput{}); err != nil || in.Email != "anne@ecole.be" {
		t.Fatalf("the address removed, the userName's: %+v %v", in, err)
	}
}

// A deactivation that leaves the userName out keeps it: closing an access
// does not fail on what it does not change.
func TestDeactivationKeepsWhatItLeavesOut(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		// A PATCH that blanks it is refused, even as it deactivates: a
		// required attribute (RFC 7644 §3.5.2.2: mutability).
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "value": map[string]any{"userName": " ", "active": false}}))
		e.want(resp, m, 400, "mutability")
		for range 2 { // an identity provider retries
			resp, m := e.do("PUT", "/Users/"+id, e.tokenA, map[string]any{"schemas": []string{coreUser}, "active": false})
			e.want(resp, m, 200, "")
			if m["active"] != false || m["userName"] != "anne@ecole.be" {
				t.Fatalf("%v", m)
			}
		}
	})
}

// A value filter may name a sub-attribute that RFC 7643 defines and the
// extranet does not keep: it selects no value.
func TestPatchFilterOnAttributeNotKept(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(map[string]any{"op": "add", "path": `emails[display eq "Anne"].value`, "value": "anne@ecole.be"}))
	if err != nil {
		t.Fatal(err.Detail)
	}
	if err := applyPatch(aUser(), jsonOps(map[string]any{"op": "add", "path": `emails[foo eq "Anne"].value`, "value": "x"})); err == nil || err.ScimType != "invalidFilter" {
		t.Fatalf("an attribute of no schema in a value filter: %+v", err)
	}
}

// The clean form of a path keeps its escapes as the mux reads them: an id
// with an escaped letter is that letter.
func TestCleanRequestDecodes(t *testing.T) {
	for raw, want := range map[string]string{
		Prefix + "//Users/%C3%A9": Prefix + "/Users/é",
		Prefix + "//Users/a%20b":  Prefix + "/Users/a b",
		Prefix + "//Users/%2541":  Prefix + "/Users/%41",
	} {
		r := httptest.NewRequest("GET", raw, nil)
		got, ok := cleanRequest(r)
		if !ok || got.URL.Path != want {
			t.Errorf("%s: %v %q, want %q", raw, ok, got.URL.Path, want)
		}
	}
	for _, raw := range []string{Prefix + "//Users/x%2F..%2Fid", Prefix + "//Users/%2E%2E/x"} {
		if _, ok := cleanRequest(httptest.NewRequest("GET", raw, nil)); ok {
			t.Errorf("%s: served", raw)
		}
	}
}

// RFC 7644 §3.14: a user changed and changed back (deactivated, then
// active again) has a new version; the one read before no longer holds.
func TestVersionAfterARoundTrip(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		before := resp.Header.Get("ETag")
		for _, active := range []string{"False", "True"} {
			e.now = e.now.Add(time.Minute)
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "Replace", "path": "active", "value": active}))
			e.want(resp, m, 200, "")
		}
		after := resp.Header.Get("ETag")
		if after == before || after == "" {
			t.Fatalf("version %q before the round trip, %q after", before, after)
		}
		if meta, _ := m["meta"].(map[string]any); meta["version"] != after {
			t.Fatalf("meta.version %v, ETag %q", meta["version"], after)
		}
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."}), "If-Match", before)
		e.want(resp, m, 412, "")
		// The version a GET gives is the one the write answered.
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		if resp.Header.Get("ETag") != after {
			t.Fatalf("GET's version %q, the write's %q", resp.Header.Get("ETag"), after)
		}
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."}), "If-Match", after)
		e.want(resp, m, 200, "")
	})
}

// RFC 7644 §3.5.2.2 and §3.5.2.3: a displayName replaced with "" or null,
// or removed, is unassigned: the user shows none, as one created without
// it (Microsoft Entra's validator checks it after each).
func TestDisplayNameCleared(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if v, ok := m["displayName"]; ok {
			t.Fatalf("created without a displayName, shows %v", v)
		}
		for _, clear := range []map[string]any{
			{"op": "Replace", "path": "displayName", "value": ""},
			{"op": "Replace", "path": "displayName", "value": nil},
			{"op": "Remove", "path": "displayName"},
			{"op": "Replace", "value": map[string]any{"displayName": ""}},
		} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."}))
			e.want(resp, m, 200, "")
			if m["displayName"] != "Anne M." {
				t.Fatalf("not set: %v", m)
			}
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(clear))
			e.want(resp, m, 200, "")
			if v, ok := m["displayName"]; ok {
				t.Fatalf("%v: displayName %v in the answer", clear, v)
			}
			resp, m = e.do("GET", "/Users/"+id+"?attributes=displayName", e.tokenA, nil)
			if v, ok := m["displayName"]; ok {
				t.Fatalf("%v: displayName %v after", clear, v)
			}
		}
		if got := e.list(`displayName pr`); len(got) != 0 {
			t.Fatalf("displayName pr: %v", got)
		}
	})
}

// RFC 7644 §3.8: a client that asks for application/json gets it; the
// default, and a client that accepts both, gets application/scim+json.
func TestAcceptPlainJSON(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
	for accept, want := range map[string]string{
		"":                                ContentType,
		"*/*":                             ContentType,
		"application/json":                "application/json",
		"application/json; charset=utf-8": "application/json",
		"application/scim+json, application/json":       ContentType,
		"application/scim+json;q=0, application/json":   "application/json",
		"application/json;q=0.5, application/scim+json": ContentType,
		// A wildcard weighs for both; the more specific range wins.
		"application/json;q=0.5, */*":                 ContentType,
		"application/json;q=0.5, application/*":       ContentType,
		"application/json, */*":                       ContentType,
		"*/*;q=0.1, application/json":                 "application/json",
		"application/*;q=0.2, application/json;q=0.3": "application/json",
		// Weights out of bounds are ignored.
		"application/json;q=2":                                ContentType,
		"application/scim+json;q=NaN, application/json;q=0.1": "application/json",
		"application/json;q=inf, application/scim+json;q=0.5": ContentType,
	} {
		for _, path := range []string{"/Users/" + id, "/Users", "/Users/inconnu", "/Schemas"} {
			req, _ := http.NewRequest("GET", e.ts.URL+Prefix+path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokenA)
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			err = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if got := resp.Header.Get("Content-Type"); got != want || err != nil {
				t.Errorf("Accept %q, %s: %s (%v), want %s", accept, path, got, err, want)
			}
		}
	}
	// A user's answer gives its address (RFC 7643 §3.1: meta.location).
	resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
	e.want(resp, m, 200, "")
	if meta, _ := m["meta"].(map[string]any); resp.Header.Get("Content-Location") != meta["location"] || meta["location"] == nil {
		t.Errorf("Content-Location %q, meta.location %v", resp.Header.Get("Content-Location"), meta["location"])
	}
	// Not on an error.
	resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil, "If-Match", `W/"autre"`)
	e.want(resp, m, 412, "")
	if cl := resp.Header.Get("Content-Location"); cl != "" {
		t.Errorf("412 with Content-Location %q", cl)
	}
	resp, m = e.do("GET", "/Users/"+id+"?x=%zz", e.tokenA, nil)
	e.want(resp, m, 400, "invalidValue")
	if cl := resp.Header.Get("Content-Location"); cl != "" {
		t.Errorf("400 with Content-Location %q", cl)
	}
}

// RFC 7643 §2.5, RFC 7644 §3.5.1: a PUT that gives an attribute as null
// unassigns it; one it leaves out stays.
func TestPutNullUnassigns(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		body["displayName"] = "Anne M."
		body["schemas"] = []string{coreUser, enterpriseUser, extranetUser}
		body[enterpriseUser] = map[string]any{"employeeNumber": "18001020123"}
		body[extranetUser] = map[string]any{"birthDate": "1980-01-02", "role": "Directeur"}
		id := e.create(e.tokenA, body)

		// Left out: everything stays.
		put := map[string]any{"schemas": []string{coreUser}, "userName": "anne@ecole.be",
			"name": map[string]any{"familyName": "Martin", "givenName": "Anne"}}
		resp, m := e.do("PUT", "/Users/"+id, e.tokenA, put)
		e.want(resp, m, 200, "")
		if m["externalId"] != "ext-anne@ecole.be" || m["displayName"] != "Anne M." || m[enterpriseUser] == nil {
			t.Fatalf("left out, changed: %v", m)
		}
		// Given as null: unassigned, the role back to the default.
		put["externalId"], put["displayName"] = nil, nil
		put[enterpriseUser] = map[string]any{"employeeNumber": nil}
		put[extranetUser] = map[string]any{"role": nil}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, put)
		e.want(resp, m, 200, "")
		for _, k := range []string{"externalId", "displayName", enterpriseUser} {
			if v, ok := m[k]; ok {
				t.Errorf("%s given as null, still %v", k, v)
			}
		}
		if ext, _ := m[extranetUser].(map[string]any); ext["role"] != DefaultRole || ext["birthDate"] != "1980-01-02" {
			t.Errorf("extension %v", ext)
		}
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		if _, ok := m["externalId"]; ok || resp.StatusCode != 200 {
			t.Errorf("read back: %d %v", resp.StatusCode, m)
		}

		// A whole extension given as null: its attributes unassigned.
		body[extranetUser] = map[string]any{"birthDate": "1980-01-02", "role": "Directeur"}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, body)
		e.want(resp, m, 200, "")
		if m[enterpriseUser] == nil {
			t.Fatalf("matricule not given back: %v", m)
		}
		put = map[string]any{"schemas": []string{coreUser}, "userName": "anne@ecole.be",
			"name": map[string]any{"familyName": "Martin", "givenName": "Anne"}, enterpriseUser: nil}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, put)
		e.want(resp, m, 200, "")
		if v, ok := m[enterpriseUser]; ok {
			t.Errorf("enterprise extension given as null, still %v", v)
		}
		if ext, _ := m[extranetUser].(map[string]any); ext["role"] != "Directeur" {
			t.Errorf("extension left out, changed: %v", ext)
		}
		// The birth date is the last way to know her: given as null with
		// the matricule gone, the user is refused, and stays.
		put[extranetUser] = nil
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, put)
		e.want(resp, m, 400, "invalidValue")
	})
}

// RFC 7644 §3.13: a version this provider does not speak is 400
// invalidVers; another path under /scim/ a SCIM 404; both in SCIM's format.
func TestOtherVersions(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	for p, want := range map[string]struct {
		status   int
		scimType string
	}{
		"/scim/v1/Users":   {400, "invalidVers"},
		"/scim/V3/Schemas": {400, "invalidVers"},
		"/scim/v1.1/Users": {400, "invalidVers"},
		"/scim/Users":      {404, ""},
		"/scim/":           {404, ""},
		"/scim":            {404, ""},
		"//scim/v1/Users":  {400, "invalidVers"},
		"/scim/V2/Users":   {404, ""},
		"/scim/v2.0/Users": {404, ""},
		"/scim/v02/Users":  {404, ""},
		"/scim/v2/Users":   {200, ""},
		"/scim/v2/users/":  {200, ""},
	} {
		req, _ := http.NewRequest("GET", e.ts.URL+p, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokenA)
		client := *e.ts.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != want.status || err != nil || resp.Header.Get("Content-Type") != ContentType {
			t.Errorf("%s: %d %s (%v), want %d", p, resp.StatusCode, resp.Header.Get("Content-Type"), err, want.status)
			continue
		}
		if want.status >= 400 {
			if got, _ := m["scimType"].(string); got != want.scimType || !strings.Contains(fmt.Sprint(m["detail"]), Prefix) {
				t.Errorf("%s: %v", p, m)
			}
		}
	}
}

// Another version's answer follows Accept as the service's do.
func TestOtherVersionsAccept(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	req, _ := http.NewRequest("GET", e.ts.URL+"/scim/v1/Users", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// RFC 7643 §2.1: attribute names ignore case, so a body that gives one
// twice in one object, in any case, is refused rather than read with one
// of its values dropped; the same name in two objects is fine.
func TestKeyGivenTwice(t *testing.T) {
	for body, want := range map[string]string{
		`{"userName":"a","USERNAME":"b"}`:                           "USERNAME",
		`{"userName":"a","userName":"b"}`:                           "userName",
		`{"name":{"givenName":"A","givenname":"B"}}`:                "givenname",
		`{"emails":[{"value":"a","Value":"b"}]}`:                    "Value",
		`{"Operations":[{"op":"add","value":{"x":1,"X":{"y":2}}}]}`: "X",
		`{"x":1e400,"userName":"a","USERNAME":"b"}`:                 "USERNAME",
		`{"userName":"a","uſerName":"b"}`:                           "uſerName",
		`{"user\u004eame":"a","userName":"b"}`:                      "userName",
	} {
		if name, twice := keyTwice([]byte(body)); !twice || name != want {
			t.Errorf("%s: %q %v, want %q", body, name, twice, want)
		}
	}
	for _, body := range []string{
		`{"userName":"a","name":{"userName":"b"},"emails":[{"value":"a"},{"value":"b"}]}`,
		`{"a":[1,{"a":2},[{"a":3}]],"b":{"a":{"a":4}}}`,
		`{"a":"b","b":"a"}`,
	} {
		if name, twice := keyTwice([]byte(body)); twice {
			t.Errorf("%s: %q given twice", body, name)
		}
	}
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
	body["USERNAME"] = "autre@ecole.be"
	resp, m := e.do("POST", "/Users", e.tokenA, body)
	e.want(resp, m, 400, "invalidSyntax")
}

// What a body may hold, as RFC 7643 types it: schemas a list of strings,
// a SearchRequest's numbers numbers, texts of at most 255 characters
// (not bytes), one spelling of accented letters, externalId as sent.
func TestBodyTypesAndText(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		for _, schemas := range []any{coreUser, []any{coreUser, 1.0}, []any{coreUser, map[string]any{"x": true}}} {
			body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
			body["schemas"] = schemas
			resp, m := e.do("POST", "/Users", e.tokenA, body)
			e.want(resp, m, 400, "invalidSyntax")
		}
		for _, v := range []any{map[string]any{}, []any{2.0}, true, ""} {
			for _, key := range []string{"count", "startIndex"} {
				resp, m := e.do("POST", "/Users/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}, key: v})
				e.want(resp, m, 400, "invalidSyntax")
			}
		}
		resp, m := e.do("POST", "/Users/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}, "count": "2"})
		e.want(resp, m, 200, "")

		// 255 characters of two bytes each: taken; 256: refused.
		body := user("zoe@ecole.be", "Lambert", "Zoé", "1991-02-03")
		body["displayName"], body["externalId"] = strings.Repeat("é", 255), "  E1  "
		resp, m = e.do("POST", "/Users", e.tokenA, body)
		e.want(resp, m, 201, "")
		if m["externalId"] != "  E1  " {
			t.Fatalf("externalId %q", m["externalId"])
		}
		if got := e.list(`externalId eq "  E1  "`); len(got) != 1 {
			t.Fatalf("externalId as sent: %v", got)
		}
		id, _ := m["id"].(string)
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": strings.Repeat("é", 256)}))
		e.want(resp, m, 400, "invalidValue")

		// The same userName, decomposed (NFD): the same user's.
		resp, m = e.do("POST", "/Users", e.tokenA, func() map[string]any {
			b := user("jose\u0301@ecole.be", "Autre", "Nom", "1990-01-01")
			b["emails"] = []any{map[string]any{"value": "autre.nom@ecole.be", "primary": true}}
			return b
		}())
		e.want(resp, m, 201, "")
		resp, m = e.do("POST", "/Users", e.tokenA, func() map[string]any {
			b := user("jos\u00e9@ecole.be", "Encore", "Nom", "1990-01-02")
			b["emails"] = []any{map[string]any{"value": "encore.nom@ecole.be", "primary": true}}
			return b
		}())
		e.want(resp, m, 409, "uniqueness")
		if got := e.list(`userName eq "jose` + "\u0301" + `@ecole.be"`); len(got) != 1 {
			t.Fatalf("decomposed filter: %v", got)
		}
		if got := e.list(`name.givenName eq "Zoe` + "\u0301" + `"`); len(got) != 1 {
			t.Fatalf("a name decomposed in a filter: %v", got)
		}
	})
}

// A userName or names kept decomposed (NFD), as SCIM kept them before it
// composed userNames: the userName is still the user's own and taken for
// any other; a write that does not touch the names leaves them, and the
// grant, as they were.
func TestDecomposedKeptBefore(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		u, err := e.svc.SCIMCreate(ctx, faseA, extranet.SCIMUserInput{UserName: "jose\u0301@ecole.be", LastName: "Garci\u0301a",
			FirstName: "Jose\u0301", BirthDate: "1980-01-02", Email: "jose@ecole.be", Role: "Enseignant", Active: true}, extranet.SCIMOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Another person, the same userName in either spelling: taken.
		for _, name := range []string{"jose\u0301@ecole.be", "jos\u00e9@ecole.be"} {
			body := user(name, "Autre", "Nom", "1990-01-01")
			body["emails"] = []any{map[string]any{"value": "autre.nom@ecole.be", "primary": true}}
			resp, m := e.do("POST", "/Users", e.tokenA, body)
			e.want(resp, m, 409, "uniqueness")
		}
		// The user's own writes go through, and leave its grant be.
		before, _ := e.grant(faseA, "jose@ecole.be")
		resp, m := e.do("PATCH", "/Users/"+u.ID, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "José"}))
		e.want(resp, m, 200, "")
		if after, _ := e.grant(faseA, "jose@ecole.be"); after != before {
			t.Fatalf("a displayName changed the grant: %+v, was %+v", after, before)
		}
		resp, m = e.do("PATCH", "/Users/"+u.ID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": "False"}))
		e.want(resp, m, 200, "")
	})
}
