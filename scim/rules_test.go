package scim

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// The same identity rules as a snapshot: never a guess, rejections kept
// for operators, weak matches recorded.
func TestIdentityRules(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		// School B knows two Marie Lambert born the same day (two
		// matricules) and one Luc Peeters (no matricule).
		_, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{
			{LastName: "Lambert", FirstName: "Marie", BirthDate: "1970-03-04", Matricule: "17003040111", Email: "m1@b.be", Role: "Enseignant"},
			{LastName: "Lambert", FirstName: "Marie", BirthDate: "1970-03-04", Matricule: "17003040222", Email: "m2@b.be", Role: "Enseignant"},
			{LastName: "Peeters", FirstName: "Luc", BirthDate: "1968-07-08", Email: "luc@b.be", Role: "Directeur"},
		}}, extranet.TransferOptions{})
		if err != nil {
			t.Fatal(err)
		}

		// Ambiguous: rejected, 400 invalidValue, kept for operators.
		resp, m := e.do("POST", "/Users", e.tokenA, user("marie@a.be", "LAMBERT", "Marie", "1970-03-04"))
		e.want(resp, m, 400, "invalidValue")
		if !strings.Contains(m["detail"].(string), "plusieurs personnes") || !strings.Contains(m["detail"].(string), "employeeNumber") {
			t.Fatalf("detail: %v", m["detail"])
		}
		rej, err := e.store.Rejections(ctx, extranet.RejectionFilter{FASE: faseA, OpenOnly: true})
		if err != nil || len(rej) != 1 || rej[0].Email != "marie@a.be" {
			t.Fatalf("rejections %+v %v", rej, err)
		}
		if _, ok := e.grant(faseA, "marie@a.be"); ok {
			t.Fatal("a grant was given for an ambiguous entry")
		}

		// A matricule known with another birth date: 409 uniqueness, and
		// the date the extranet holds is not told.
		body := user("marie@a.be", "Lambert", "Marie", "1971-01-01")
		body[enterpriseUser] = map[string]any{"employeeNumber": "17003040111"}
		resp, m = e.do("POST", "/Users", e.tokenA, body)
		e.want(resp, m, 409, "uniqueness")
		if strings.Contains(m["detail"].(string), "1970") {
			t.Fatalf("detail tells the birth date: %v", m["detail"])
		}

		// With the matricule: the person, a strong match; the rejection of
		// the same line is resolved.
		body = user("marie@a.be", "LAMBERT", "Marie", "1970-03-04")
		body[enterpriseUser] = map[string]any{"employeeNumber": "17003040222"}
		id := e.create(e.tokenA, body)
		if rej, _ := e.store.Rejections(ctx, extranet.RejectionFilter{FASE: faseA, OpenOnly: true}); len(rej) != 0 {
			t.Fatalf("open rejections after the fix: %+v", rej)
		}

		// Luc Peeters by names and birth date: a weak match, recorded and
		// audited, the grant given all the same.
		e.create(e.tokenA, user("luc.peeters@a.be", "Peeters", "Luc", "1968-07-08"))
		ms, err := e.store.OpenMatches(ctx, 10)
		if err != nil || len(ms) != 1 || ms[0].FASE != faseA || len(ms[0].OtherFASEs) != 1 || ms[0].OtherFASEs[0] != faseB {
			t.Fatalf("weak matches %+v %v", ms, err)
		}
		var weak []extranet.AuditEntry
		all, _ := e.store.Audit(ctx, extranet.AuditFilter{FASE: faseA, Action: extranet.AuditIdentityMatch})
		for _, a := range all {
			if strings.Contains(a.Detail, `"strength":"weak"`) {
				weak = append(weak, a)
			}
		}
		if len(weak) != 1 || weak[0].Actor != "scim:4242" {
			t.Fatalf("weak match audit %+v", all)
		}

		// The same person twice: 409 uniqueness.
		resp, m = e.do("POST", "/Users", e.tokenA, user("luc2@a.be", "Peeters", "Luc", "1968-07-08"))
		e.want(resp, m, 409, "uniqueness")
		// The same userName twice.
		resp, m = e.do("POST", "/Users", e.tokenA, user("LUC.PEETERS@a.be", "Autre", "Nom", "1990-01-01"))
		e.want(resp, m, 409, "uniqueness")
		if d, _ := m["detail"].(string); !strings.Contains(d, "est déjà celui de l'utilisateur "+findID(t, e, "luc.peeters@a.be")+" de l'école : modifiez cet utilisateur") {
			t.Fatalf("creation's detail %q", d)
		}
		// Another school's address.
		resp, m = e.do("POST", "/Users", e.tokenA, user("m1@b.be", "Autre", "Nom", "1990-01-01"))
		e.want(resp, m, 409, "uniqueness")

		// A PUT may rename the user: the school's spelling, on its grant,
		// of the same person.
		lucID := findID(t, e, "luc.peeters@a.be")
		resp, m = e.do("PUT", "/Users/"+lucID, e.tokenA, user("luc.peeters@a.be", "Peters", "Luc", "1968-07-08"))
		e.want(resp, m, 200, "")
		if g, _ := e.grant(faseA, "luc.peeters@a.be"); g.LastName != "Peters" || m["id"] != lucID {
			t.Fatalf("renamed: %+v %v", g, m)
		}
		// Another user may not take Luc's userName.
		resp, m = e.do("POST", "/Users", e.tokenA, user("zoe.lambert@a.be", "Lambert", "Zoé", "1991-02-03"))
		e.want(resp, m, 201, "")
		zoeID, _ := m["id"].(string)
		resp, m = e.do("PUT", "/Users/"+zoeID, e.tokenA, user("Luc.Peeters@a.be", "Lambert", "Zoé", "1991-02-03"))
		e.want(resp, m, 409, "uniqueness")
		if d, _ := m["detail"].(string); !strings.Contains(d, "d'un autre utilisateur de l'école (id "+lucID+") : donnez-en un autre") {
			t.Fatalf("replacement's detail %q", d)
		}
		// A new birth date without matricule designates another person:
		// refused, the identity of a grant does not change by a guess.
		g, _ := e.grant(faseA, "luc.peeters@a.be")
		resp, m = e.do("PUT", "/Users/"+lucID, e.tokenA, user("luc.peeters@a.be", "Peters", "Luc", "1968-07-09"))
		e.want(resp, m, 400, "mutability")
		if after, _ := e.grant(faseA, "luc.peeters@a.be"); after != g {
			t.Fatalf("grant changed by a refused PUT: %+v → %+v", g, after)
		}
		// With the matricule the person is known, names change.
		body = user("marie@a.be", "Lambert-Dupont", "Marie", "1970-03-04")
		body[enterpriseUser] = map[string]any{"employeeNumber": "17003040222"}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, body)
		e.want(resp, m, 200, "")
		if n := m["name"].(map[string]any); n["familyName"] != "Lambert-Dupont" {
			t.Fatalf("PUT with matricule: %v", m)
		}

		// Invalid values: French detail naming the SCIM attribute.
		bad := user("x@a.be", "", "X", "1990-02-30")
		resp, m = e.do("POST", "/Users", e.tokenA, bad)
		e.want(resp, m, 400, "invalidValue")
		if d := m["detail"].(string); !strings.Contains(d, "name.familyName") || !strings.Contains(d, "birthDate") {
			t.Fatalf("detail %q", d)
		}
		resp, m = e.do("POST", "/Users", e.tokenA, `{"userName": 12`)
		e.want(resp, m, 400, "invalidSyntax")
	})
}

func findID(t *testing.T, e *env, userName string) string {
	t.Helper()
	us, err := e.svc.SCIMUsers(context.Background(), faseA)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.UserName == userName {
			return u.ID
		}
	}
	t.Fatalf("no user %s", userName)
	return ""
}

// The guard: more than max(4, 20 %) deactivations in 24 hours are held
// until confirmed.
func TestGuard(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		e.seed(faseA, 10)
		us, err := e.svc.SCIMUsers(ctx, faseA)
		if err != nil || len(us) != 10 {
			t.Fatalf("users %d %v", len(us), err)
		}
		for i := range 4 {
			resp, m := e.do("DELETE", "/Users/"+us[i].ID, e.tokenA, nil)
			if resp.StatusCode != 204 {
				t.Fatalf("delete %d: %d %v", i, resp.StatusCode, m)
			}
		}
		// The fifth, by PATCH active "False" as Entra sends it: held.
		patch := map[string]any{"schemas": []string{patchSchema}, "Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}}
		resp, m := e.do("PATCH", "/Users/"+us[4].ID, e.tokenA, patch)
		e.want(resp, m, 409, "")
		if d := m["detail"].(string); !strings.Contains(d, ConfirmHeaderName()+": 5") {
			t.Fatalf("detail %q", d)
		}
		if u, _ := e.svc.SCIMUser(ctx, faseA, us[4].ID); !u.Active {
			t.Fatal("held deactivation applied")
		}
		if a, _ := e.store.Audit(ctx, extranet.AuditFilter{FASE: faseA, Action: extranet.AuditSCIMHeld}); len(a) != 1 {
			t.Fatalf("held audit %+v", a)
		}
		// The direction confirms with the header.
		resp, m = e.do("PATCH", "/Users/"+us[4].ID, e.tokenA, patch, ConfirmHeaderName(), "5")
		e.want(resp, m, 200, "")
		if m["active"] != false {
			t.Fatalf("after confirmation: %v", m)
		}
		// The sixth is held again; an operator confirms up to 6.
		resp, m = e.do("DELETE", "/Users/"+us[5].ID, e.tokenA, nil)
		e.want(resp, m, 409, "")
		if err := e.svc.ConfirmSCIMDeactivations(ctx, faseA, 6, "operator:alice"); err != nil {
			t.Fatal(err)
		}
		if resp, _ = e.do("DELETE", "/Users/"+us[5].ID, e.tokenA, nil); resp.StatusCode != 204 {
			t.Fatalf("after the operator's confirmation: %d", resp.StatusCode)
		}
		if resp, m = e.do("DELETE", "/Users/"+us[6].ID, e.tokenA, nil); resp.StatusCode != 409 {
			t.Fatalf("seventh: %d %v", resp.StatusCode, m)
		}
		// A day later the window is empty again.
		e.now = e.now.Add(25 * time.Hour)
		if resp, _ = e.do("DELETE", "/Users/"+us[6].ID, e.tokenA, nil); resp.StatusCode != 204 {
			t.Fatalf("next day: %d", resp.StatusCode)
		}
	})
}

func ConfirmHeaderName() string { return extranet.ConfirmHeader }

// After a SCIM write, the school's last snapshot, sent again, answers what
// the write changed.
func TestResendAfterASCIMWrite(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		snap := e.seed(faseA, 3)
		if res, err := e.svc.Transfer(ctx, faseA, snap, extranet.TransferOptions{DryRun: true}); err != nil || res.Counts != (wire.Counts{Unchanged: 3}) {
			t.Fatalf("before: %+v %v", res.Counts, err)
		}
		e.create(e.tokenA, user("new@a.be", "Neuf", "Jean", "1991-01-01"))
		res, err := e.svc.Transfer(ctx, faseA, snap, extranet.TransferOptions{DryRun: true})
		if err != nil || res.Counts.Deactivated != 1 || res.Counts.Unchanged != 3 {
			t.Fatalf("full reconciliation: %+v %v", res.Counts, err)
		}
	})
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/x.db")
	resp, m := e.do("GET", "/ServiceProviderConfig", "", nil)
	e.want(resp, m, 200, "")
	for k, want := range map[string]bool{"patch": true, "filter": true, "etag": true, "bulk": false, "sort": false, "changePassword": false} {
		if m[k].(map[string]any)["supported"] != want {
			t.Errorf("%s supported: %v", k, m[k])
		}
	}
	if a := m["authenticationSchemes"].([]any)[0].(map[string]any); a["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", a)
	}
	resp, m = e.do("GET", "/ResourceTypes", "", nil)
	if e.want(resp, m, 200, ""); m["totalResults"] != float64(1) {
		t.Fatalf("ResourceTypes %v", m)
	}
	resp, m = e.do("GET", "/ResourceTypes/User", "", nil)
	if e.want(resp, m, 200, ""); m["schema"] != coreUser || m["endpoint"] != "/Users" {
		t.Fatalf("ResourceTypes/User %v", m)
	}
	resp, m = e.do("GET", "/Schemas", "", nil)
	if e.want(resp, m, 200, ""); m["totalResults"] != float64(3) {
		t.Fatalf("Schemas %v", m)
	}
	for _, id := range []string{coreUser, enterpriseUser, extranetUser} {
		resp, m = e.do("GET", "/Schemas/"+id, "", nil)
		if e.want(resp, m, 200, ""); m["id"] != id || len(m["attributes"].([]any)) == 0 {
			t.Fatalf("Schemas/%s %v", id, m)
		}
	}
	for _, p := range []string{"/Schemas/urn:x", "/ResourceTypes/Group", "/Groups", "/Nope"} {
		resp, m = e.do("GET", p, e.tokenA, nil)
		e.want(resp, m, 404, "")
	}
	resp, m = e.do("DELETE", "/Users", e.tokenA, nil)
	e.want(resp, m, 405, "")
	resp, m = e.do("GET", "/Schemas?filter=id+pr", "", nil)
	e.want(resp, m, 403, "")
	resp, m = e.do("GET", "/Me", e.tokenA, nil)
	e.want(resp, m, 501, "")
	resp, m = e.do("POST", "/Bulk", e.tokenA, "{}")
	e.want(resp, m, 501, "")
	noSchema := user("x@a.be", "X", "Y", "1990-01-01")
	delete(noSchema, "schemas")
	resp, m = e.do("POST", "/Users", e.tokenA, noSchema)
	e.want(resp, m, 400, "invalidSyntax")
	// A body larger than the bound: 413, nothing read beyond.
	big := fmt.Sprintf(`{"userName": "%s"}`, strings.Repeat("a", MaxBodyBytes))
	resp, m = e.do("POST", "/Users", e.tokenA, big)
	e.want(resp, m, 413, "")
}

// Writes in parallel: one school's clients take turns on its row, two
// schools creating the same people at once make one person each.
func TestParallelWrites(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		const people, clients = 12, 3
		var wg sync.WaitGroup
		errs := make(chan string, 2*people)
		for _, school := range []struct {
			token, domain string
		}{{e.tokenA, "a.be"}, {e.tokenB, "b.be"}} {
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := c; i < people; i += clients {
						body := user(fmt.Sprintf("p%d@%s", i, school.domain), fmt.Sprintf("Parallèle%d", i), "Sam", "1985-04-05")
						resp, m := e.do("POST", "/Users", school.token, body)
						if resp.StatusCode != 201 {
							errs <- fmt.Sprintf("%s %d: %d %v", school.domain, i, resp.StatusCode, m)
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
		v, err := e.store.BenchInvariants(context.Background())
		if err != nil || v.Persons != people || v.DuplicatePersons != 0 || v.GrantsPending != 2*people {
			t.Fatalf("invariants %+v %v", v, err)
		}
	})
}

// A creation is a new resource: the person of a user shown inactive is
// not given it again under another name and the same id (RFC 7644 §3.3):
// 409 uniqueness, naming the user to reactivate. Once that user is
// deleted, the same creation gives a new user, with a new id.
func TestCreationOfAnInactiveUsersPerson(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		body := user("orig@a.be", "Mertens", "Anne", "1980-05-06")
		body[enterpriseUser] = map[string]any{"employeeNumber": "18005060111"}
		id := e.create(e.tokenA, body)
		resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")

		for _, other := range []map[string]any{
			// By matricule, under another userName and address.
			func() map[string]any {
				b := user("newcomer@a.be", "Mertens", "Annie", "1980-05-06")
				b[enterpriseUser] = map[string]any{"employeeNumber": "18005060111"}
				return b
			}(),
			// By names and birth date.
			user("anne.mertens@a.be", "Mertens", "Anne", "1980-05-06"),
		} {
			resp, m = e.do("POST", "/Users", e.tokenA, other)
			e.want(resp, m, 409, "uniqueness")
			if d, _ := m["detail"].(string); !strings.Contains(d, "« orig@a.be » (id "+id+") : réactivez-le") {
				t.Fatalf("detail %q", d)
			}
		}
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["userName"] != "orig@a.be" || m["active"] != false {
			t.Fatalf("the inactive user changed: %v", m)
		}

		resp, m = e.do("DELETE", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 204, "")
		resp, m = e.do("POST", "/Users", e.tokenA, user("anne.mertens@a.be", "Mertens", "Anne", "1980-05-06"))
		e.want(resp, m, 201, "")
		if m["id"] == id || m["active"] != true {
			t.Fatalf("after the deletion: %v (the deleted user was %s)", m, id)
		}
	})
}

// An inactive user takes the address and role a write gives it (RFC 7644
// §3.5.1, §3.5.2.3), checked as an active user's: they open no access,
// and are the user's when it is reactivated. Its names and identity,
// which decide who the person is, change only on an active user: refused
// while inactive, never dropped silently. A write that deactivates is
// never refused for what else it sends: closing an access comes first.
func TestInactiveUserTakesTheValuesSent(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		shows := func(m map[string]any, first, role, email string, active bool) {
			t.Helper()
			name, _ := m["name"].(map[string]any)
			ext, _ := m[extranetUser].(map[string]any)
			emails, _ := m["emails"].([]any)
			if name["givenName"] != first || ext["role"] != role || m["active"] != active || len(emails) != 1 || emails[0].(map[string]any)["value"] != email {
				t.Fatalf("want %s, %s, %s, active %v: %v", first, role, email, active, m)
			}
		}

		// Deactivated by a PUT that also gives another role, another
		// given name and a matricule: closed, the role applied, the names
		// and identity as they were.
		body := user("anne@ecole.be", "Martin", "Annie", "1980-01-02")
		body["active"] = false
		body[extranetUser] = map[string]any{"birthDate": "1980-01-02", "role": "directrice"}
		body[enterpriseUser] = map[string]any{"employeeNumber": "18001020111"}
		resp, m := e.do("PUT", "/Users/"+id, e.tokenA, body)
		e.want(resp, m, 200, "")
		shows(m, "Anne", "Directeur", "anne@ecole.be", false)
		etag := resp.Header.Get("ETag")
		if g, _ := e.grant(faseA, "anne@ecole.be"); g.FirstName != "Anne" || g.Role != "Directeur" || g.State != "deactivated" || g.Matricule != "" {
			t.Fatalf("grant after the PUT: %+v", g)
		}

		// Inactive: a PATCH moves its address and makes it a teacher again.
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(
			map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "Anne.Martin@Ecole.be"},
			map[string]any{"op": "replace", "path": extranetUser + ":role", "value": "Enseignante"}))
		e.want(resp, m, 200, "")
		shows(m, "Anne", "Enseignant", "anne.martin@ecole.be", false)
		if resp.Header.Get("ETag") == etag {
			t.Fatal("the version did not change")
		}
		resp, m = e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		shows(m, "Anne", "Enseignant", "anne.martin@ecole.be", false)

		// What an active user would be refused, an inactive one is too;
		// its names and identity are refused while inactive.
		for _, c := range []struct {
			op       map[string]any
			scimType string
		}{
			{map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "pas une adresse"}, "invalidValue"},
			{map[string]any{"op": "replace", "path": extranetUser + ":role", "value": "Inspecteur"}, "invalidValue"},
			{map[string]any{"op": "replace", "path": extranetUser + ":birthDate", "value": "1980-01-03"}, "mutability"},
			{map[string]any{"op": "add", "path": enterpriseUser + ":employeeNumber", "value": "18001020111"}, "mutability"},
			{map[string]any{"op": "replace", "path": "name.givenName", "value": "Annie"}, "mutability"},
		} {
			resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(c.op))
			e.want(resp, m, 400, c.scimType)
		}
		if g, _ := e.grant(faseA, "anne.martin@ecole.be"); g.FirstName != "Anne" || g.Role != "Enseignant" || g.State != "deactivated" {
			t.Fatalf("grant after the refusals: %+v", g)
		}

		// Reactivated with a new given name: the identity rules take the
		// rename, the access opens with the address and role given.
		resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(
			map[string]any{"op": "replace", "path": "name.givenName", "value": "Anne-Marie"},
			map[string]any{"op": "replace", "path": "active", "value": "True"}))
		e.want(resp, m, 200, "")
		shows(m, "Anne-Marie", "Enseignant", "anne.martin@ecole.be", true)
		if g, _ := e.grant(faseA, "anne.martin@ecole.be"); g.FirstName != "Anne-Marie" || g.State != "pending" {
			t.Fatalf("grant after the reactivation: %+v", g)
		}
	})
}
