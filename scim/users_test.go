package scim

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

func TestUserLifecycle(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()

		id := e.create(e.tokenA, user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03"))
		g, ok := e.grant(faseA, "jean.dupont@ecole.be")
		if !ok || g.State != extranet.GrantPending || g.Role != "Enseignant" || g.BirthDate != "1980-02-03" {
			t.Fatalf("grant after POST: %+v %v", g, ok)
		}

		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["userName"] != "jean.dupont@ecole.be" || m["externalId"] != "ext-jean.dupont@ecole.be" || m["active"] != true {
			t.Fatalf("GET: %v", m)
		}
		meta := m["meta"].(map[string]any)
		if meta["resourceType"] != "User" || !strings.HasSuffix(meta["location"].(string), "/scim/v2/Users/"+id) ||
			meta["version"] != resp.Header.Get("ETag") {
			t.Fatalf("meta %v, ETag %q", meta, resp.Header.Get("ETag"))
		}
		etag := resp.Header.Get("ETag")
		resp, _ = e.do("GET", "/Users/"+id, e.tokenA, nil, "If-None-Match", etag)
		if resp.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", resp.StatusCode)
		}

		// PUT: the role changes; the person's grant is modified (pending:
		// it takes the new values at once).
		body := user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03")
		body[extranetUser] = map[string]any{"birthDate": "1980-02-03", "role": "directrice"}
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, body, "If-Match", etag)
		e.want(resp, m, 200, "")
		if ext := m[extranetUser].(map[string]any); ext["role"] != "Directeur" || m["id"] != id {
			t.Fatalf("PUT: %v", m)
		}
		// The old ETag no longer matches.
		resp, m = e.do("PUT", "/Users/"+id, e.tokenA, body, "If-Match", etag)
		e.want(resp, m, 412, "")

		// DELETE deactivates at once; the user is gone.
		resp, _ = e.do("DELETE", "/Users/"+id, e.tokenA, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("DELETE: %d", resp.StatusCode)
		}
		if g, _ := e.grant(faseA, "jean.dupont@ecole.be"); g.State != extranet.GrantDeactivated {
			t.Fatalf("grant after DELETE: %+v", g)
		}
		for _, method := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			var b any
			switch method {
			case "PUT":
				b = body
			case "PATCH":
				b = map[string]any{"schemas": []string{patchSchema}, "Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}}
			}
			resp, m = e.do(method, "/Users/"+id, e.tokenA, b)
			e.want(resp, m, 404, "")
		}
		resp, m = e.do("GET", "/Users", e.tokenA, nil)
		e.want(resp, m, 200, "")
		if m["totalResults"] != float64(0) {
			t.Fatalf("list after DELETE: %v", m)
		}

		// Created again: the same person and grant, open again, but a new
		// resource (RFC 7643 §3.1: an id is never reassigned); the deleted
		// one stays unknown (RFC 7644 §3.6).
		e.now = e.now.Add(time.Hour)
		again := e.create(e.tokenA, user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03"))
		if again != id+".1" {
			t.Fatalf("created again as %s, want %s.1", again, id)
		}
		if g, ok := e.grant(faseA, "jean.dupont@ecole.be"); !ok || g.State != extranet.GrantPending {
			t.Fatalf("the grant is not open again: %+v", g)
		}
		for _, method := range []string{"GET", "DELETE"} {
			resp, m = e.do(method, "/Users/"+id, e.tokenA, nil)
			e.want(resp, m, 404, "")
		}
		resp, m = e.do("GET", "/Users?filter=id+eq+%22"+id+"%22", e.tokenA, nil)
		if e.want(resp, m, 200, ""); m["totalResults"] != float64(0) {
			t.Fatalf("the deleted id is found again: %v", m)
		}
		resp, m = e.do("GET", "/Users/"+again, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if created := m["meta"].(map[string]any)["created"]; created != e.now.UTC().Format(time.RFC3339) {
			t.Fatalf("the new user was created at %v, want now (%s)", created, e.now.UTC())
		}

		// Journal and audit show the writes as transfers by scim:4242.
		recs, err := e.store.Transfers(ctx, extranet.TransferFilter{FASE: faseA})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range recs {
			if r.Actor != "scim:4242" {
				t.Errorf("journal actor %q", r.Actor)
			}
			for _, c := range r.Changes {
				actions = append(actions, c.Action)
			}
		}
		slices.Sort(actions)
		if want := []string{"created", "created", "deactivated", "modified"}; !slices.Equal(actions, want) {
			t.Fatalf("journal actions %v, want %v", actions, want)
		}
		audit, err := e.store.Audit(ctx, extranet.AuditFilter{FASE: faseA, Action: extranet.AuditTransferApplied})
		if err != nil || len(audit) != 4 || audit[0].Actor != "scim:4242" {
			t.Fatalf("audit %v %v", audit, err)
		}
	})
}

func TestTokens(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne.martin@ecole.be", "Martin", "Anne", "1975-05-06"))
		before, _ := e.grant(faseA, "anne.martin@ecole.be")
		put := user("anne.martin@ecole.be", "Martin", "Anne-Marie", "1975-05-06")
		patch := map[string]any{"schemas": []string{patchSchema}, "Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}}
		for _, tc := range []struct {
			name, token string
			status      int
		}{
			{"none", "", 401}, {"bad", "psr_nope", 401}, {"revoked", e.revoked, 401}, {"other school", e.tokenB, 404},
		} {
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/Users/" + id, nil}, {"PUT", "/Users/" + id, put}, {"PATCH", "/Users/" + id, patch},
				{"DELETE", "/Users/" + id, nil},
			} {
				resp, m := e.do(r.method, r.path, tc.token, r.body)
				e.want(resp, m, tc.status, "")
				if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s: no Bearer challenge", tc.name, r.method)
				}
			}
			resp, m := e.do("GET", "/Users", tc.token, nil)
			if tc.status == 401 {
				e.want(resp, m, 401, "")
			} else if e.want(resp, m, 200, ""); m["totalResults"] != float64(0) {
				t.Fatalf("school B lists school A's users: %v", m)
			}
			resp, m = e.do("POST", "/Users", tc.token, user("x@ecole.be", "X", "Y", "1990-01-01"))
			if tc.status == 401 {
				e.want(resp, m, 401, "")
			}
		}
		if after, _ := e.grant(faseA, "anne.martin@ecole.be"); after != before {
			t.Fatalf("school A's grant changed: %+v → %+v", before, after)
		}
		// The user B created is B's own.
		if _, ok := e.grant(faseB, "x@ecole.be"); !ok {
			t.Fatal("school B's user not created at school B")
		}
	})
}

func TestListFilters(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		a := e.create(e.tokenA, user("anne.martin@ecole.be", "Martin", "Anne", "1975-05-06"))
		b := e.create(e.tokenA, user("luc.martin@ecole.be", "Martin", "Luc", "1976-05-06"))
		c := e.create(e.tokenA, user("paul.dubois@ecole.be", "Dubois", "Paul", "1977-05-06"))
		for filter, want := range map[string][]string{
			`userName eq "Anne.Martin@ecole.be"`:                                           {a},
			`externalId eq "ext-luc.martin@ecole.be"`:                                      {b},
			`externalId eq "EXT-luc.martin@ecole.be"`:                                      nil,
			`emails.value eq "paul.dubois@ecole.be"`:                                       {c},
			`emails[type eq "work" and value co "dubois"]`:                                 {c},
			`name.familyName eq "martin"`:                                                  {a, b},
			`name.familyName eq "Martin" and name.givenName sw "L"`:                        {b},
			`userName eq "anne.martin@ecole.be" or userName eq "paul.dubois@ecole.be"`:     {a, c},
			`not (name.familyName eq "Martin")`:                                            {c},
			`active eq true and (userName ew "@ecole.be")`:                                 {a, b, c},
			`urn:passerelle:scim:schemas:extension:extranet:2.0:User:role eq "Enseignant"`: {a, b, c},
			`meta.lastModified gt "2000-01-01T00:00:00Z"`:                                  {a, b, c},
			`externalId pr`: {a, b, c},
		} {
			resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(filter), e.tokenA, nil)
			e.want(resp, m, 200, "")
			if got := ids(m); !slices.Equal(got, want) || m["totalResults"] != float64(len(want)) {
				t.Errorf("filter %s: %v, want %v", filter, got, want)
			}
		}
		for _, bad := range []string{`active gt true`, `userName eq`, `userName zz "a"`, `(userName eq "a"`, `userName eq "a" and`, `emails[type eq "work"`} {
			resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(bad), e.tokenA, nil)
			e.want(resp, m, 400, "invalidFilter")
		}
		// Pagination: 1-based startIndex, count.
		resp, m := e.do("GET", "/Users?startIndex=2&count=1", e.tokenA, nil)
		e.want(resp, m, 200, "")
		if got := ids(m); !slices.Equal(got, []string{b}) || m["totalResults"] != float64(3) || m["itemsPerPage"] != float64(1) || m["startIndex"] != float64(2) {
			t.Fatalf("page: %v", m)
		}
		resp, m = e.do("GET", "/Users?count=0", e.tokenA, nil)
		if e.want(resp, m, 200, ""); m["totalResults"] != float64(3) || len(ids(m)) != 0 {
			t.Fatalf("count=0: %v", m)
		}
		// attributes: id and schemas always come.
		resp, m = e.do("GET", "/Users?attributes=userName&filter="+url.QueryEscape(`userName eq "luc.martin@ecole.be"`), e.tokenA, nil)
		e.want(resp, m, 200, "")
		r := m["Resources"].([]any)[0].(map[string]any)
		if r["id"] != b || r["userName"] != "luc.martin@ecole.be" || r["name"] != nil || r["schemas"] == nil {
			t.Fatalf("attributes=userName: %v", r)
		}
		resp, m = e.do("POST", "/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}, "filter": `name.givenName eq "anne"`})
		if e.want(resp, m, 200, ""); !slices.Equal(ids(m), []string{a}) {
			t.Fatalf("/.search: %v", m)
		}
		// POST /.search answers as GET.
		resp, m = e.do("POST", "/Users/.search", e.tokenA, map[string]any{"schemas": []string{searchSchema}, "filter": `name.givenName eq "paul"`})
		if e.want(resp, m, 200, ""); !slices.Equal(ids(m), []string{c}) {
			t.Fatalf(".search: %v", m)
		}
	})
}
