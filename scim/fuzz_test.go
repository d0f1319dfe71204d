package scim

import (
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
