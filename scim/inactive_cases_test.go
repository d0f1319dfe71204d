package scim

import (
	"strings"
	"testing"
	"time"
)

// A deactivation applies the address it sends only when an active user
// would take it: an address too long stays out, and the reactivation by
// active: true alone is not refused for an address it did not send.
func TestDeactivationKeepsAnAddressTooLongOut(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		long := strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 50)+".", 4) + "be"
		body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		body["active"] = false
		body["emails"] = []any{map[string]any{"value": long, "type": "work", "primary": true}}
		resp, m := e.do("PUT", "/Users/"+id, e.tokenA, body)
		e.want(resp, m, 200, "")
		emails, _ := m["emails"].([]any)
		got := ""
		if len(emails) == 1 {
			got, _ = emails[0].(map[string]any)["value"].(string)
		}
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": true}))
		t.Logf("address kept: %d bytes; reactivation: %d %v", len(got), resp.StatusCode, m["detail"])
		if len(got) > 254 {
			t.Fatalf("a deactivation stored a %d-byte address, which an active user is refused (reactivation: %d)", len(got), resp.StatusCode)
		}
	})
}

// PUT is idempotent (RFC 7231 §4.2.2, RFC 7644 §3.5.1): the same
// deactivating PUT, carrying a new given name, gets the same answer when
// sent again on the user it made inactive.
func TestSameDeactivatingPUTTwice(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		body := user("anne@ecole.be", "Martin", "Annie", "1980-01-02")
		body["active"] = false
		e.samePUTTwice(t, id, body)
	})
}

// A rename waiting for the night, then a deactivation: the identity
// provider's next full PUT, with the names it set, is not refused.
func TestPendingRenameThenDeactivation(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		e.nightAt(t, 2026, time.November, 26)
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "name.givenName", "value": "Annie"}))
		e.want(resp, m, 200, "")
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")
		name, _ := m["name"].(map[string]any)
		body := user("anne@ecole.be", "Martin", "Annie", "1980-01-02")
		body["active"] = false
		resp, m2 := e.do("PUT", "/Users/"+id, e.tokenA, body)
		t.Logf("after deactivation the user shows givenName %v; full PUT with Annie: %d %v", name["givenName"], resp.StatusCode, m2["scimType"])
		if resp.StatusCode != 200 {
			t.Fatalf("the IdP's PUT of what it set (givenName Annie, accepted with 200 before) is refused %d", resp.StatusCode)
		}
	})
}

// On an inactive user, a PATCH that removes the matricule or the birth
// date is refused (400 mutability), as one that replaces them: nothing
// answers 200 unapplied (RFC 7644 §3.5.2, §3.5.2.2).
func TestInactiveRemoveOfIdentityRefused(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		u := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
		u["schemas"] = []string{coreUser, enterpriseUser, extranetUser}
		u[enterpriseUser] = map[string]any{"employeeNumber": "18001020111"}
		id := e.create(e.tokenA, u)
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")
		for _, path := range []string{enterpriseUser + ":employeeNumber", extranetUser + ":birthDate"} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "remove", "path": path}))
			ent, _ := m[enterpriseUser].(map[string]any)
			ext, _ := m[extranetUser].(map[string]any)
			t.Logf("remove %s: %d employeeNumber=%v birthDate=%v", path, resp.StatusCode, ent["employeeNumber"], ext["birthDate"])
			if resp.StatusCode == 200 && ent["employeeNumber"] != nil && ext["birthDate"] != nil {
				t.Errorf("remove %s answered 200 and removed nothing (a replace answers 400 mutability)", path)
			}
		}
	})
}
