package scim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

// get reads a user with a query (attributes, excludedAttributes).
func (e *env) get(id, query string) map[string]any {
	e.t.Helper()
	resp, m := e.do("GET", "/Users/"+id+"?"+query, e.tokenA, nil)
	e.want(resp, m, 200, "")
	return m
}

// asJSON is v as JSON, keys sorted: what a test compares.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// attributes and excludedAttributes name sub-attributes of a multi-valued
// attribute (RFC 7644 §3.9): each is kept, or left out, in every value.
func TestProjectionSubAttributes(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, _ := filterEnv(t, dbURL)
		work := `[{"primary":true,"type":"work","value":"alice.martin@ecole.be"}]`
		for query, want := range map[string]string{
			"attributes=emails.value,emails.type":                        `[{"type":"work","value":"alice.martin@ecole.be"}]`,
			"attributes=emails,emails.type":                              work,
			"attributes=emails.type,EMAILS":                              work,
			"attributes=emails.primary":                                  `[{"primary":true}]`,
			"excludedAttributes=emails.type":                             `[{"primary":true,"value":"alice.martin@ecole.be"}]`,
			"excludedAttributes=emails.type,emails.primary":              `[{"value":"alice.martin@ecole.be"}]`,
			"excludedAttributes=emails.value,emails.type,emails.primary": `null`,
		} {
			m := e.get(a, query)
			if got := asJSON(m["emails"]); got != want {
				t.Errorf("%s: emails %s, want %s", query, got, want)
			}
			if m["id"] != a || m["schemas"] == nil {
				t.Errorf("%s: id or schemas missing: %v", query, m)
			}
		}
		m := e.get(a, "attributes=emails.value,emails.type")
		if got := sortedKeys(m); !slices.Equal(got, []string{"emails", "id", "schemas"}) {
			t.Errorf("attributes=emails.value,emails.type: %v", got)
		}
		m = e.get(a, "attributes=name.givenName,name.familyName")
		if got := asJSON(m["name"]); got != `{"familyName":"Martin","givenName":"Alice"}` {
			t.Errorf("name: %s", got)
		}
		m = e.get(a, "excludedAttributes=emails.type,id,schemas,name.formatted")
		if m["id"] != a || m["schemas"] == nil || m["userName"] == nil || asJSON(m["name"]) != `{"familyName":"Martin","givenName":"Alice"}` {
			t.Errorf("excludedAttributes: %v", m)
		}
		// A list projects each resource.
		resp, l := e.do("GET", "/Users?attributes=emails.value,emails.type", e.tokenA, nil)
		e.want(resp, l, 200, "")
		for _, r := range l["Resources"].([]any) {
			em := r.(map[string]any)["emails"].([]any)[0].(map[string]any)
			if em["value"] == nil || em["type"] != "work" || em["primary"] != nil {
				t.Errorf("list: emails %v", em)
			}
		}
	})
}

// A whole extension is named by its URN; schemas lists the extensions the
// answer holds (RFC 7643 §3: the schemas of the attributes present).
func TestProjectionExtension(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, b := filterEnv(t, dbURL)
		q := url.QueryEscape
		m := e.get(b, "attributes="+q(enterpriseUser))
		if got := sortedKeys(m); !slices.Equal(got, []string{"id", "schemas", enterpriseUser}) {
			t.Errorf("attributes=enterprise: %v", got)
		}
		if asJSON(m[enterpriseUser]) != `{"employeeNumber":"17705060123"}` || asJSON(m["schemas"]) != asJSON([]string{coreUser, enterpriseUser}) {
			t.Errorf("attributes=enterprise: %v", m)
		}
		m = e.get(b, "attributes="+q(strings.ToUpper(extranetUser)+":role"))
		if asJSON(m[extranetUser]) != `{"role":"Enseignant"}` || asJSON(m["schemas"]) != asJSON([]string{coreUser, extranetUser}) {
			t.Errorf("attributes=extranet:role: %v", m)
		}
		m = e.get(a, "attributes=userName")
		if asJSON(m["schemas"]) != asJSON([]string{coreUser}) || m["userName"] != "alice.martin@ecole.be" {
			t.Errorf("attributes=userName: %v", m)
		}
		for _, excl := range []string{enterpriseUser, enterpriseUser + ":employeeNumber"} {
			m = e.get(b, "excludedAttributes="+q(excl))
			if _, ok := m[enterpriseUser]; ok || asJSON(m["schemas"]) != asJSON([]string{coreUser, extranetUser}) || m["userName"] == nil {
				t.Errorf("excludedAttributes=%s: %v", excl, m)
			}
		}
		m = e.get(b, "excludedAttributes="+q(extranetUser+":role,"+extranetUser+":state"))
		if asJSON(m[extranetUser]) != `{"birthDate":"1977-05-06"}` {
			t.Errorf("excludedAttributes=role,state: %v", m[extranetUser])
		}
	})
}

// .search takes attributes and excludedAttributes as lists of strings
// (RFC 7644 §3.4.3): another JSON type is refused, not ignored.
func TestSearchAttributesType(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, _ := filterEnv(t, dbURL)
		search := func(body map[string]any) (int, map[string]any) {
			body["schemas"] = []string{searchSchema}
			resp, m := e.do("POST", "/Users/.search", e.tokenA, body)
			return resp.StatusCode, m
		}
		for _, body := range []map[string]any{
			{"attributes": "userName"},
			{"excludedAttributes": "emails"},
			{"attributes": []any{"userName", 3}},
			{"filter": 3},
		} {
			resp, m := e.do("POST", "/Users/.search", e.tokenA, merge(body, map[string]any{"schemas": []string{searchSchema}}))
			e.want(resp, m, 400, "invalidSyntax")
			if d, _ := m["detail"].(string); !strings.Contains(d, "[") && !strings.Contains(d, "chaîne") {
				t.Errorf("%v: detail %q", body, d)
			}
		}
		status, m := search(map[string]any{"attributes": []any{"emails.value", "emails.type"}, "filter": `emails co "alice"`})
		if status != 200 || !slices.Equal(ids(m), []string{a}) {
			t.Fatalf(".search: %d %v", status, m)
		}
		r := m["Resources"].([]any)[0].(map[string]any)
		if got := asJSON(r["emails"]); got != `[{"type":"work","value":"alice.martin@ecole.be"}]` {
			t.Errorf(".search emails %s", got)
		}
	})
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// project, value by value.
func TestProject(t *testing.T) {
	at := time.Date(2026, 12, 7, 0, 6, 35, 0, time.UTC)
	res := withMeta(extranet.SCIMUser{ID: "u1", UserName: "a@e.be", LastName: "Martin", FirstName: "Alice",
		Email: "a@e.be", Role: "Enseignant", State: "active", Active: true, Matricule: "18002030123",
		Created: at, Modified: at}, "https://x")
	for _, tc := range []struct {
		attrs, excl []string
		want        string
	}{
		{[]string{"emails.value", "emails.type"}, nil,
			`{"emails":[{"type":"work","value":"a@e.be"}],"id":"u1","schemas":["` + coreUser + `"]}`},
		{[]string{"emails", "emails.type"}, nil,
			`{"emails":[{"primary":true,"type":"work","value":"a@e.be"}],"id":"u1","schemas":["` + coreUser + `"]}`},
		{[]string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", "meta.created"}, nil,
			`{"id":"u1","meta":{"created":"2026-12-07T00:06:35Z"},"schemas":["` + coreUser + `","` + enterpriseUser + `"],"` +
				enterpriseUser + `":{"employeeNumber":"18002030123"}}`},
		{[]string{"nickName", "a..b", "userName.x"}, nil, `{"id":"u1","schemas":["` + coreUser + `"]}`},
		{nil, []string{"emails.type", "name", "meta", "displayName", "userName", "active", enterpriseUser + ":employeeNumber", extranetUser},
			`{"emails":[{"primary":true,"value":"a@e.be"}],"id":"u1","schemas":["` + coreUser + `"]}`},
	} {
		if got := asJSON(project(res, tc.attrs, tc.excl)); got != tc.want {
			t.Errorf("%v / %v:\n got %s\nwant %s", tc.attrs, tc.excl, got, tc.want)
		}
	}
	// The resource itself is left as it was.
	if asJSON(res["emails"]) != `[{"primary":true,"type":"work","value":"a@e.be"}]` || res[enterpriseUser] == nil {
		t.Errorf("project changed the resource: %v", res)
	}
}
