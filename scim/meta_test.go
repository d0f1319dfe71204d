package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// meta.lastModified moves with every change a client can see, the ones SCIM
// keeps beside the grant (userName, displayName, externalId) included, and
// stays when a write changes nothing (RFC 7643 §3.1).
func TestLastModifiedFollowsEveryChange(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, anne())
		lastModified := func() time.Time {
			t.Helper()
			resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
			e.want(resp, m, 200, "")
			meta, _ := m["meta"].(map[string]any)
			at, err := time.Parse(time.RFC3339, meta["lastModified"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
		before := lastModified()
		for _, op := range []map[string]any{
			{"op": "replace", "path": "displayName", "value": "Anne M."},
			{"op": "replace", "path": "externalId", "value": "0f3a"},
			{"op": "replace", "path": "userName", "value": "amartin@ecole.onmicrosoft.com"},
		} {
			e.now = e.now.Add(time.Minute)
			resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(op))
			e.want(resp, m, 200, "")
			got := lastModified()
			if !got.Equal(e.now.Truncate(time.Second)) || !got.After(before) {
				t.Fatalf("after %v at %s: lastModified %s (was %s)", op, e.now.UTC(), got, before)
			}
			if answered := m["meta"].(map[string]any)["lastModified"]; answered != got.UTC().Format(time.RFC3339) {
				t.Fatalf("the PATCH answers lastModified %v, a GET %s", answered, got)
			}
			before = got
		}
		// The same value again changes nothing.
		e.now = e.now.Add(time.Minute)
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."}))
		e.want(resp, m, 200, "")
		if got := lastModified(); !got.Equal(before) {
			t.Fatalf("a PATCH that changes nothing moved lastModified from %s to %s", before, got)
		}
	})
}

// Location and meta.location name the service at its public address, the
// portal's, never at the Host a client chose to send.
func TestLocationIsThePublicAddress(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	e.svc.PortalURL = "https://extranet.example/"
	body, _ := json.Marshal(anne())
	req, err := http.NewRequest("POST", e.ts.URL+Prefix+"/Users", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("Authorization", "Bearer "+e.tokenA)
	req.Header.Set("Content-Type", ContentType)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	want := "https://extranet.example/scim/v2/Users/" + m["id"].(string)
	if loc := resp.Header.Get("Location"); loc != want || m["meta"].(map[string]any)["location"] != want {
		t.Fatalf("Location %q, meta.location %v, want %s", loc, m["meta"].(map[string]any)["location"], want)
	}
}

// A schema is found by its URN in any case.
func TestSchemaByURNInAnyCase(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	resp, m := e.do("GET", "/Schemas/URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", "", nil)
	if e.want(resp, m, 200, ""); m["id"] != coreUser {
		t.Fatalf("%v", m)
	}
}

// attributes and excludedAttributes shape the resource of every answer
// that holds one: creation, replacement and patch too (RFC 7644 §3.9).
func TestWritesAnswerTheAttributesAsked(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	body := anne()
	resp, m := e.do("POST", "/Users?attributes=userName", e.tokenA, body)
	e.want(resp, m, 201, "")
	if _, ok := m["name"]; ok || m["userName"] != "anne@ecole.be" || m["id"] == nil {
		t.Fatalf("POST ?attributes=userName: %v", m)
	}
	id := m["id"].(string)
	resp, m = e.do("PATCH", "/Users/"+id+"?excludedAttributes=emails", e.tokenA,
		ops(map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."}))
	e.want(resp, m, 200, "")
	if _, ok := m["emails"]; ok || m["displayName"] != "Anne M." {
		t.Fatalf("PATCH ?excludedAttributes=emails: %v", m)
	}
	resp, m = e.do("PUT", "/Users/"+id+"?attributes=displayName", e.tokenA, body)
	e.want(resp, m, 200, "")
	if _, ok := m["userName"]; ok || m["id"] != id {
		t.Fatalf("PUT ?attributes=displayName: %v", m)
	}
}

// A search must say it is one (RFC 7644 §3.4.3), and a GET honours
// If-Match as the writes do (RFC 9110 §13.1.1).
func TestSearchSchemaAndIfMatchOnGet(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	for _, body := range []map[string]any{{}, {"schemas": []string{"urn:x"}, "filter": `userName pr`}} {
		resp, m := e.do("POST", "/Users/.search", e.tokenA, body)
		e.want(resp, m, 400, "invalidSyntax")
	}
	id := e.create(e.tokenA, anne())
	resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil, "If-Match", `W/"autre"`)
	e.want(resp, m, 412, "")
	resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
	e.want(resp, m, 200, "")
	resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil, "If-Match", resp.Header.Get("ETag"))
	e.want(resp, m, 200, "")
}

// Pagination beyond the integers' range is clamped like any other value
// out of bounds (RFC 7644 §3.4.2.4), not refused.
func TestPaginationBeyondTheIntegers(t *testing.T) {
	q, err := parseQuery("", "-99999999999999999999", "99999999999999999999", nil, nil)
	if err != nil || q.startIndex != 1 || q.count != MaxResults {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = parseQuery("", "99999999999999999999", "", nil, nil)
	if err != nil || q.startIndex != 1<<31-1 {
		t.Fatalf("a startIndex beyond 2^31 − 1: %+v %v", q, err)
	}
	if _, err := parseQuery("", "", "beaucoup", nil, nil); err == nil || err.ScimType != "invalidValue" {
		t.Fatalf("count=beaucoup: %+v", err)
	}
}

// anne is a user's creation body.
func anne() map[string]any { return user("anne@ecole.be", "Martin", "Anne", "1980-02-03") }

// /Schemas declares what the service holds to: userName unique in the
// school, inactive users included; emails.value unique among the active
// users only, which "server" would overstate (an inactive user keeps the
// address it had).
func TestSchemaUniqueness(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	resp, m := e.do("GET", "/Schemas/"+coreUser, "", nil)
	e.want(resp, m, 200, "")
	got := map[string]any{}
	for _, a := range m["attributes"].([]any) {
		a := a.(map[string]any)
		got[a["name"].(string)] = a["uniqueness"]
		for _, sub := range func() []any { s, _ := a["subAttributes"].([]any); return s }() {
			sub := sub.(map[string]any)
			got[a["name"].(string)+"."+sub["name"].(string)] = sub["uniqueness"]
		}
	}
	if got["userName"] != "server" || got["emails.value"] != "none" || got["externalId"] != "none" {
		t.Fatalf("uniqueness: %v", got)
	}
}
