package scim

import (
	"context"
	"testing"

	"passerelle/extranet"
)

func ops(list ...map[string]any) map[string]any {
	items := make([]any, len(list))
	for i, o := range list {
		items[i] = o
	}
	return map[string]any{"schemas": []string{patchSchema}, "Operations": items}
}

// What Microsoft Entra provisioning sends, request by request.
func TestEntraPatch(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		// Entra's default mapping: userPrincipalName as userName, mail as
		// the work address; no role (Enseignant by default).
		body := map[string]any{
			"schemas":    []string{coreUser, extranetUser},
			"externalId": "0f3a", "userName": "jdupont@ecole.onmicrosoft.com", "active": true,
			"displayName": "Jean Dupont",
			"name":        map[string]any{"familyName": "Dupont", "givenName": "Jean"},
			"emails":      []any{map[string]any{"primary": true, "type": "work", "value": "jean.dupont@ecole.be"}},
			extranetUser:  map[string]any{"birthDate": "1980-02-03"},
		}
		id := e.create(e.tokenA, body)
		g, ok := e.grant(faseA, "jean.dupont@ecole.be")
		if !ok || g.Role != "Enseignant" {
			t.Fatalf("grant %+v %v", g, ok)
		}
		// Entra looks the user up by userName first.
		resp, m := e.do("GET", `/Users?filter=userName+eq+%22jdupont%40ecole.onmicrosoft.com%22`, e.tokenA, nil)
		if e.want(resp, m, 200, ""); len(ids(m)) != 1 || ids(m)[0] != id {
			t.Fatalf("lookup by userName: %v", m)
		}

		for _, step := range []struct {
			name  string
			patch map[string]any
			check func(u extranet.SCIMUser) bool
		}{
			{"value path on the work address", ops(map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "j.dupont@ecole.be"}),
				func(u extranet.SCIMUser) bool {
					return u.Email == "j.dupont@ecole.be" && u.UserName == "jdupont@ecole.onmicrosoft.com"
				}},
			{"path-less replace with dotted keys", ops(map[string]any{"op": "Replace", "value": map[string]any{"name.givenName": "Jean-Marc", "externalId": "0f3b"}}),
				func(u extranet.SCIMUser) bool { return u.FirstName == "Jean-Marc" && u.ExternalID == "0f3b" }},
			{"Add on the extension's attribute", ops(map[string]any{"op": "Add", "path": extranetUser + ":role", "value": "Directeur"}),
				func(u extranet.SCIMUser) bool { return u.Role == "Directeur" }},
			{"enterprise employeeNumber", ops(map[string]any{"op": "add", "path": enterpriseUser + ":employeeNumber", "value": "18002030123"}),
				func(u extranet.SCIMUser) bool { return u.Matricule == "18002030123" }},
			{"name as a complex value", ops(map[string]any{"op": "replace", "path": "name", "value": map[string]any{"familyName": "Dupont-Durand"}}),
				func(u extranet.SCIMUser) bool { return u.LastName == "Dupont-Durand" && u.FirstName == "Jean-Marc" }},
			{"remove externalId", ops(map[string]any{"op": "Remove", "path": "externalId"}),
				func(u extranet.SCIMUser) bool { return u.ExternalID == "" }},
			{"displayName kept as sent", ops(map[string]any{"op": "Replace", "path": "displayName", "value": "Jean-Marc D."}),
				func(u extranet.SCIMUser) bool {
					return u.DisplayName == "Jean-Marc D." && u.LastName == "Dupont-Durand"
				}},
			{"active as the string False", ops(map[string]any{"op": "Replace", "path": "active", "value": "False"}),
				func(u extranet.SCIMUser) bool { return !u.Active && u.State == extranet.GrantDeactivated }},
			{"active as the string True", ops(map[string]any{"op": "Replace", "path": "active", "value": "True"}),
				func(u extranet.SCIMUser) bool { return u.Active && u.State == extranet.GrantPending }},
		} {
			resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, step.patch)
			e.want(resp, m, 200, "")
			u, err := e.svc.SCIMUser(ctx, faseA, id)
			if err != nil || !step.check(u) {
				t.Fatalf("%s: %+v %v (answer %v)", step.name, u, err, m)
			}
		}

		for _, bad := range []struct {
			patch    map[string]any
			status   int
			scimType string
		}{
			{map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}, 400, "invalidSyntax"},
			{ops(map[string]any{"op": "move", "path": "active", "value": false}), 400, "invalidSyntax"},
			{ops(map[string]any{"op": "replace", "path": "id", "value": "x"}), 400, "mutability"},
			{ops(map[string]any{"op": "remove"}), 400, "noTarget"},
			{ops(map[string]any{"op": "replace", "path": "emails[type eq", "value": "x"}), 400, "invalidPath"},
			{ops(map[string]any{"op": "replace", "path": "active", "value": "peut-être"}), 400, "invalidValue"},
			{ops(map[string]any{"op": "remove", "path": "name.familyName"}), 400, "mutability"},
			{ops(map[string]any{"op": "remove", "path": "name"}), 400, "mutability"},
			{ops(map[string]any{"op": "replace", "path": "name.givenName", "value": ""}), 400, "mutability"},
			{ops(map[string]any{"op": "remove", "path": "userName"}), 400, "mutability"},
			{ops(map[string]any{"op": "replace", "path": `emails[type eq "home"].value`, "value": "x@y.be"}), 400, "noTarget"},
		} {
			resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, bad.patch)
			e.want(resp, m, bad.status, bad.scimType)
		}
		if u, _ := e.svc.SCIMUser(ctx, faseA, id); u.LastName != "Dupont-Durand" || !u.Active {
			t.Fatalf("a refused PATCH changed the user: %+v", u)
		}
		// A PUT without emails does not assert them: the address stays.
		put := map[string]any{"schemas": []string{coreUser}, "userName": "jdupont@ecole.onmicrosoft.com",
			"name": map[string]any{"familyName": "Dupont-Durand", "givenName": "Jean-Marc"}}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, put)
		e.want(resp, m, 200, "")
		if u, _ := e.svc.SCIMUser(ctx, faseA, id); u.Email != "j.dupont@ecole.be" || u.Role != "Directeur" || u.Matricule != "18002030123" {
			t.Fatalf("PUT without emails: %+v", u)
		}
	})
}

func TestFilterParser(t *testing.T) {
	res := resource(extranet.SCIMUser{ID: "ID1", UserName: "Jean@x.be", LastName: "Dupont", FirstName: "Jean",
		Email: "jean@x.be", Role: "Enseignant", Active: true, ExternalID: "AbC", DisplayName: "Jean Dupont"})
	for f, want := range map[string]bool{
		`userName eq "jean@X.BE"`:                     true,
		`USERNAME Eq "jean@x.be"`:                     true,
		`id eq "id1"`:                                 false,
		`externalId eq "AbC"`:                         true,
		`externalId eq "abc"`:                         false,
		`emails[type eq "work"].value eq "jean@x.be"`: true,
		`emails[type eq "home"]`:                      false,
		`active eq false`:                             false,
		`active ne false`:                             true,
		`title pr`:                                    false,
		`name.familyName sw "du" and not (name.givenName eq "paul")`:    true,
		`(userName eq "a" or userName eq "b") or displayName co "jean"`: true,
	} {
		p, err := parseFilter(f)
		if err != nil {
			t.Errorf("%s: %v", f, err.Detail)
			continue
		}
		if got := p.match(res); got != want {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
}
