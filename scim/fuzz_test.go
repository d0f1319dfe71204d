package scim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/extranet"
)

// FuzzFilter: any filter parses or is refused with invalidFilter or
// invalidPath, and a parsed one evaluates without panicking.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `emails[type eq "work" and value co "@"].value pr`,
		`not (a eq 1) or (b gt "x" and c le true)`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "1"`,
		`((((`, `a[b[c eq 1]]`, `"`, `a eq "\u00e9"`} {
		f.Add(s)
	}
	res := resource(extranet.SCIMUser{ID: "x", UserName: "u", LastName: "L", FirstName: "F", Email: "e@x.be", Role: "Enseignant", Active: true})
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseFilter(s)
		if err != nil {
			if err.Status != 400 || (err.ScimType != "invalidFilter" && err.ScimType != "invalidPath") {
				t.Fatalf("%q: %+v", s, err)
			}
			return
		}
		p.match(res)
	})
}

// FuzzPatch: any PATCH body applies or is refused with a 400, never a
// panic.
func FuzzPatch(f *testing.F) {
	f.Add(`replace`, `emails[type eq "work"].value`, `"x@y.be"`)
	f.Add(`add`, `name.givenName`, `"Jean"`)
	f.Add(`remove`, `emails[value sw "x"]`, `null`)
	f.Add(`Replace`, ``, `{"name.familyName": "X", "active": "False"}`)
	f.Fuzz(func(t *testing.T, op, path, value string) {
		body, err := decodeJSON(`{"schemas":["` + patchSchema + `"],"Operations":[{"op":` + quote(op) + `,"path":` + quote(path) + `,"value":` + value + `}]}`)
		if err != nil {
			return
		}
		res := resource(extranet.SCIMUser{ID: "x", UserName: "u", LastName: "L", FirstName: "F", Email: "e@x.be", Role: "Enseignant", Active: true})
		if e := applyPatch(res, body); e != nil && e.Status != 400 {
			t.Fatalf("%+v", e)
		}
		parseUser(res, extranet.SCIMUserInput{})
	})
}

// FuzzUserBody: any body of a POST or PUT is refused with a 400 or a 413,
// never a panic; a user it gives shows as a resource that reads back as
// the same user (the round trip a client makes with GET, then PUT).
func FuzzUserBody(f *testing.F) {
	f.Add(`{"schemas":["` + coreUser + `"],"userName":"jean.dupont@ecole.be","name":{"familyName":"Dupont","givenName":"Jean"},"active":true}`)
	f.Add(`{"schemas":["` + coreUser + `","` + enterpriseUser + `"],"userName":"E\u0301mile","emails":[{"value":"e@x.be","type":"work","primary":true}],"` + enterpriseUser + `":{"employeeNumber":"28005040011"}}`)
	f.Add(`{"schemas":["` + coreUser + `"],"USERNAME":"a","userName":"b"}`)
	f.Add(`{"schemas":["` + coreUser + `"],"` + extranetUser + `":null,"active":"False","displayName":null}`)
	f.Add(`{"schemas":["` + coreUser + `"],"emails":[{"value":1}],"name":[]}`)
	f.Add(`[1e400]`)
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/scim/v2/Users", strings.NewReader(body))
		m, e := readBody(rec, r)
		if e == nil {
			e = checkSchemas(m, coreUser)
		}
		var in extranet.SCIMUserInput
		if e == nil {
			in, e = parseUser(m, extranet.SCIMUserInput{Role: DefaultRole, Active: true})
		}
		if e != nil {
			if e.Status != 400 && e.Status != 413 || e.Detail == "" {
				t.Fatalf("%q: %+v", body, e)
			}
			return
		}
		u := extranet.SCIMUser{ID: "x", ExternalID: in.ExternalID, UserName: in.UserName, DisplayName: in.DisplayName,
			LastName: in.LastName, FirstName: in.FirstName, BirthDate: in.BirthDate, Matricule: in.Matricule,
			Email: in.Email, Role: in.Role, Active: in.Active, State: "pending"}
		again, e := parseUser(resource(u), extranet.SCIMUserInput{})
		if e != nil {
			t.Fatalf("%q: its own resource refused: %+v", body, e)
		}
		if again != in {
			t.Fatalf("%q: read back as %+v, want %+v", body, again, in)
		}
	})
}
