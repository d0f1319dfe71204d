package scim

import (
	"encoding/json"
	"strings"
	"testing"

	"passerelle/extranet"
)

// jsonOps is ops(list...) as a request's body decodes.
func jsonOps(list ...map[string]any) map[string]any {
	b, _ := json.Marshal(ops(list...))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// aUser is a user's resource as a PATCH finds it.
func aUser() map[string]any {
	return resource(extranet.SCIMUser{ID: "g1", UserName: "anne@ecole.be", LastName: "Martin", FirstName: "Anne",
		Email: "anne@ecole.be", Role: "Enseignant", Active: true, State: extranet.GrantActive, Matricule: "18002030123"})
}

// RFC 7644 §3.5.2: an operation that would modify a read-only attribute is
// refused, whichever way it names it.
func TestPatchRefusesReadOnlyAttributes(t *testing.T) {
	for name, op := range map[string]map[string]any{
		"path":                    {"op": "replace", "path": extranetUser + ":state", "value": "deactivated"},
		"path, remove":            {"op": "remove", "path": extranetUser + ":state"},
		"path-less, URN-prefixed": {"op": "replace", "value": map[string]any{extranetUser + ":state": "deactivated"}},
		"path-less, nested":       {"op": "replace", "value": map[string]any{extranetUser: map[string]any{"state": "deactivated"}}},
		"the extension as a path": {"op": "add", "path": extranetUser, "value": map[string]any{"STATE": "deactivated"}},
		"meta's sub-attribute":    {"op": "replace", "path": "meta.lastModified", "value": "2026-01-01T00:00:00Z"},
		"id, path-less":           {"op": "replace", "value": map[string]any{"id": "g2"}},
		"schemas by its own path": {"op": "replace", "path": "schemas", "value": []any{coreUser}},
	} {
		res := aUser()
		err := applyPatch(res, jsonOps(op))
		if err == nil || err.Status != 400 || err.ScimType != "mutability" {
			t.Errorf("%s: %+v", name, err)
		}
	}
}

// RFC 7643 §3.3 nests an extension's attributes under its URN: a path-less
// value, or a path naming the extension, may give them so.
func TestPatchExtensionAsAnObject(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(
		map[string]any{"op": "replace", "value": map[string]any{enterpriseUser: map[string]any{"employeeNumber": "19006070123"}}},
		map[string]any{"op": "add", "value": map[string]any{extranetUser: map[string]any{"role": "Directeur", "birthDate": "1990-06-07"}}},
	))
	if err != nil {
		t.Fatal(err.Detail)
	}
	in, err := parseUser(res, extranet.SCIMUserInput{})
	if err != nil || in.Matricule != "19006070123" || in.Role != "Directeur" || in.BirthDate != "1990-06-07" {
		t.Fatalf("%+v %v", in, err)
	}
	if err := applyPatch(res, jsonOps(map[string]any{"op": "remove", "path": enterpriseUser})); err != nil {
		t.Fatal(err.Detail)
	}
	if in, _ := parseUser(res, extranet.SCIMUserInput{}); in.Matricule != "" {
		t.Fatalf("the enterprise extension removed, the matricule stays: %+v", in)
	}
	res = aUser()
	if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "value": map[string]any{extranetUser: "Directeur"}})); err == nil || err.ScimType != "invalidValue" {
		t.Fatalf("an extension given as a string: %+v", err)
	}
}

// RFC 7644 §3.5.2: a value made primary makes the others not primary.
func TestPatchPrimaryEmail(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(map[string]any{"op": "add", "path": "emails",
		"value": []any{map[string]any{"value": "anne.martin@ecole.be", "type": "work", "primary": true}}}))
	if err != nil {
		t.Fatal(err.Detail)
	}
	if in, _ := parseUser(res, extranet.SCIMUserInput{}); in.Email != "anne.martin@ecole.be" {
		t.Fatalf("the address added as primary is not the user's: %+v (%v)", in, res["emails"])
	}
	if n := primaries(res); n != 1 {
		t.Fatalf("%d primary addresses: %v", n, res["emails"])
	}

	// Back to the first address, by a value path on its primary flag.
	err = applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": `emails[value eq "anne@ecole.be"].primary`, "value": true}))
	if err != nil {
		t.Fatal(err.Detail)
	}
	if in, _ := parseUser(res, extranet.SCIMUserInput{}); in.Email != "anne@ecole.be" || primaries(res) != 1 {
		t.Fatalf("primary moved back: %+v (%v)", in, res["emails"])
	}
}

func primaries(res map[string]any) int {
	n := 0
	list, _ := res["emails"].([]any)
	for _, el := range list {
		if isPrimary(el) {
			n++
		}
	}
	return n
}

// Attributes the extranet does not keep (what Entra's default mappings
// send besides: phoneNumbers, addresses, title…) change nothing, whatever
// the operation and its filter, and do not hold back the request's other
// operations.
func TestPatchIgnoresAttributesNotKept(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(
		map[string]any{"op": "Replace", "path": `phoneNumbers[type eq "mobile"].value`, "value": "+32 470 00 00 00"},
		map[string]any{"op": "Replace", "path": `addresses[type eq "work"].locality`, "value": "Namur"},
		map[string]any{"op": "Replace", "value": map[string]any{`phoneNumbers[type eq "work"].value`: "+32 81 00 00 00", "title": "Professeur"}},
		map[string]any{"op": "Remove", "path": "addresses"},
		map[string]any{"op": "Replace", "path": "displayName", "value": "Anne M."},
	))
	if err != nil {
		t.Fatal(err.Detail)
	}
	in, _ := parseUser(res, extranet.SCIMUserInput{})
	if in.DisplayName != "Anne M." {
		t.Fatalf("the operation beside them was lost: %+v", in)
	}
	for _, k := range []string{"phoneNumbers", "addresses", "title"} {
		if _, _, ok := lookup(res, k); ok {
			t.Errorf("%s kept: %v", k, res[k])
		}
	}
}

// A string attribute given another type is refused, not converted.
func TestPatchRefusesNumbersForStrings(t *testing.T) {
	for _, path := range []string{"userName", "displayName", "externalId"} {
		res := aUser()
		if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": path, "value": 5})); err != nil {
			t.Fatalf("%s: the PATCH itself: %v", path, err.Detail)
		}
		if _, err := parseUser(res, extranet.SCIMUserInput{}); err == nil || err.ScimType != "invalidValue" {
			t.Errorf("%s: 5 is taken: %+v", path, err)
		}
	}
}

// Two primary addresses in one resource are refused (RFC 7643 §2.4).
func TestTwoPrimaryAddresses(t *testing.T) {
	res := aUser()
	res["emails"] = []any{
		map[string]any{"value": "a@ecole.be", "primary": true},
		map[string]any{"value": "b@ecole.be", "primary": true},
	}
	if _, err := parseUser(res, extranet.SCIMUserInput{}); err == nil || err.ScimType != "invalidValue" {
		t.Fatalf("two primaries: %+v", err)
	}
}

// RFC 7644 §3.5.2: the values a value filter selects are objects; a PATCH
// that gives them anything else is refused, not answered 200 with nothing
// changed.
func TestPatchFilteredValueIsAnObject(t *testing.T) {
	for _, value := range []any{"other@ecole.be", []any{"x@ecole.be"}, 5.0, true} {
		for _, op := range []string{"replace", "add"} {
			err := applyPatch(aUser(), jsonOps(map[string]any{"op": op, "path": `emails[type eq "work"]`, "value": value}))
			if err == nil || err.ScimType != "invalidValue" {
				t.Errorf("%s %v: %+v", op, value, err)
			}
		}
	}
	res := aUser()
	if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": `emails[type eq "work"]`, "value": map[string]any{"value": "autre@ecole.be"}})); err != nil {
		t.Fatal(err.Detail)
	}
	if email, _ := workEmail(res); email != "autre@ecole.be" {
		t.Fatalf("replaced: %v", res["emails"])
	}
}

// RFC 7644 §3.5.2: a value made primary, whichever shape makes it so,
// makes the others not primary.
func TestPatchPrimaryWholeValue(t *testing.T) {
	for name, ops := range map[string][]map[string]any{
		"add by a filter that selects nothing": {
			{"op": "add", "path": `emails[type eq "home"]`, "value": map[string]any{"value": "h.x@ecole.be", "primary": true}}},
		"replace by a filter": {
			{"op": "add", "path": "emails", "value": []any{map[string]any{"value": "h.x@ecole.be", "type": "home"}}},
			{"op": "replace", "path": `emails[type eq "home"]`, "value": map[string]any{"primary": "True"}}},
	} {
		res := aUser()
		if err := applyPatch(res, jsonOps(ops...)); err != nil {
			t.Errorf("%s: %v", name, err.Detail)
			continue
		}
		email, err := workEmail(res)
		if err != nil || email != "h.x@ecole.be" {
			t.Errorf("%s: %v %v", name, res["emails"], err)
		}
	}
}

// A path-less value that gives an attribute whole and one of its
// sub-attributes by a dotted name gives the same user at every request:
// the dotted name, the more precise, wins.
func TestPatchPathLessOrder(t *testing.T) {
	for range 20 {
		res := aUser()
		err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "value": map[string]any{
			"name.givenName": "Dotted", "name": map[string]any{"givenName": "Nested", "familyName": "Martin"}}}))
		if err != nil {
			t.Fatal(err.Detail)
		}
		if name, _ := res["name"].(map[string]any); name["givenName"] != "Dotted" {
			t.Fatalf("%v", name)
		}
	}
	// The same with the whole attribute named by its URN, an extension
	// in another case, and a value path.
	for range 20 {
		res := aUser()
		err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "value": map[string]any{
			"name.givenName":                   "Dotted",
			coreUser + ":name":                 map[string]any{"givenName": "Nested", "familyName": "Martin"},
			`emails[type eq "work"].value`:     "dotted@ecole.be",
			coreUser + ":emails":               []any{map[string]any{"value": "nested@ecole.be", "type": "work", "primary": true}},
			strings.ToLower(enterpriseUser):    map[string]any{"employeeNumber": "11111111111"},
			enterpriseUser + ":employeeNumber": "22222222222",
		}}))
		if err != nil {
			t.Fatal(err.Detail)
		}
		in, perr := parseUser(res, extranet.SCIMUserInput{})
		if perr != nil || in.FirstName != "Dotted" || in.Email != "dotted@ecole.be" || in.Matricule != "22222222222" {
			t.Fatalf("%+v %v", in, perr)
		}
	}
	for path, want := range map[string]int{
		"name": 1, coreUser + ":name": 1, "name.givenName": 2, enterpriseUser: 1, strings.ToLower(extranetUser): 1,
		enterpriseUser + ":employeeNumber": 2, `emails[type eq "work"].value`: 3, `emails[type eq "work"]`: 2, "emails[": 0,
	} {
		if got := pathDepth(path); got != want {
			t.Errorf("pathDepth(%q) = %d, want %d", path, got, want)
		}
	}
}
