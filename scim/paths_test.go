package scim

import (
	"strings"
	"testing"

	"passerelle/extranet"
)

// RFC 7644 §3.5.2: a PATCH path that no schema defines, that names a
// sub-attribute of a simple attribute, or that is not a string, answers
// 400 invalidPath; one whose value filter does not read, names what the
// values do not have or compares them as their type does not allow,
// invalidFilter (§3.12: it applies to a PATCH's path filter; §3.4.2.2: gt
// on a boolean); both even after a valid operation (the handler then
// writes nothing: TestPatchAtomic).
func TestPatchRefusesInvalidPaths(t *testing.T) {
	for path, scimType := range map[any]string{
		"foo":                              "invalidPath",
		"displayName.foo":                  "invalidPath",
		"userName.value":                   "invalidPath",
		"name.foo":                         "invalidPath",
		`emails[type eq "work"].foo`:       "invalidPath",
		`displayName[value eq "x"]`:        "invalidPath",
		`name[familyName eq "Martin"]`:     "invalidPath",
		enterpriseUser + ":foo":            "invalidPath",
		extranetUser + ":role.x":           "invalidPath",
		`emails[type eq "work"`:            "invalidPath",
		5.0:                                "invalidPath",
		true:                               "invalidPath",
		`emails[foo eq "x"].value`:         "invalidFilter",
		`emails[primary gt true].value`:    "invalidFilter",
		`emails[type eq "work" and].value`: "invalidFilter",
	} {
		res := aUser()
		err := applyPatch(res, jsonOps(
			map[string]any{"op": "replace", "path": "displayName", "value": "Anne M."},
			map[string]any{"op": "replace", "path": path, "value": "x"},
		))
		if err == nil || err.Status != 400 || err.ScimType != scimType {
			t.Errorf("%v: %+v, want %s", path, err, scimType)
		}
	}
	// A path given as an array or an object is no path either.
	for _, path := range []any{[]any{"displayName"}, map[string]any{"a": 1.0}} {
		err := applyPatch(aUser(), jsonOps(map[string]any{"op": "replace", "path": path, "value": map[string]any{"displayName": "x"}}))
		if err == nil || err.ScimType != "invalidPath" {
			t.Errorf("%v: %+v", path, err)
		}
	}
}

// A "]" inside a value filter's quoted string is part of the value, not
// the end of the filter.
func TestPatchPathBracketInString(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": `emails[value eq "a]b@x.be"].type`, "value": "work"}))
	if err == nil || err.ScimType != "noTarget" {
		t.Fatalf("a value that matches nothing: %+v", err)
	}
	emails, _ := res["emails"].([]any)
	addr, _ := emails[0].(map[string]any)["value"].(string)
	err = applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": `emails[value eq "` + addr + `"].type`, "value": "work"}))
	if err != nil {
		t.Fatalf("%s: %v", addr, err.Detail)
	}
}

// The attributes RFC 7643 defines that the extranet does not keep are
// accepted and change nothing, sub-attributes included: identity
// providers' default mappings send them (Entra: department,
// name.formatted).
func TestPatchAcceptsDefinedAttributesNotKept(t *testing.T) {
	for _, path := range []string{
		"name.formatted",
		"name.middleName",
		`emails[type eq "work"].display`,
		enterpriseUser + ":department",
		enterpriseUser + ":manager",
		"nickName",
		`phoneNumbers[type eq "mobile"].value`,
	} {
		res := aUser()
		if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": path, "value": "x"})); err != nil {
			t.Errorf("%s: %+v", path, err)
			continue
		}
		if in, err := parseUser(res, extranet.SCIMUserInput{}); err != nil || in.LastName != "Martin" || in.Email != "anne@ecole.be" {
			t.Errorf("%s: the user changed: %+v %v", path, in, err)
		}
	}
}

// The known paths still work, in any case, with their URN.
func TestPatchKnownPaths(t *testing.T) {
	res := aUser()
	err := applyPatch(res, jsonOps(
		map[string]any{"op": "replace", "path": "NAME.familyName", "value": "Dupont"},
		map[string]any{"op": "replace", "path": coreUser + ":displayName", "value": "Anne D."},
		map[string]any{"op": "replace", "path": `emails[TYPE eq "work"].Value`, "value": "anne.dupont@ecole.be"},
		map[string]any{"op": "replace", "path": enterpriseUser + ":employeeNumber", "value": "19006070123"},
	))
	if err != nil {
		t.Fatal(err.Detail)
	}
	in, perr := parseUser(res, extranet.SCIMUserInput{})
	if perr != nil || in.LastName != "Dupont" || in.DisplayName != "Anne D." || in.Email != "anne.dupont@ecole.be" || in.Matricule != "19006070123" {
		t.Fatalf("%+v %v", in, perr)
	}
}

// emails' sub-attributes have the types /Schemas gives them (RFC 7644
// §3.5.2: compatible with the schema), on any address.
func TestEmailSubAttributeTypes(t *testing.T) {
	for name, email := range map[string]map[string]any{
		"primary a string":    {"value": "anne@ecole.be", "primary": "notabool"},
		"primary a number":    {"value": "anne@ecole.be", "primary": 5},
		"type a number":       {"value": "anne@ecole.be", "type": 5},
		"display a boolean":   {"value": "anne@ecole.be", "display": true},
		"on an empty address": {"value": "", "primary": "yes"},
		"value a number":      {"value": 7},
	} {
		res := aUser()
		res["emails"] = []any{email}
		if _, err := parseUser(res, extranet.SCIMUserInput{}); err == nil || err.ScimType != "invalidValue" {
			t.Errorf("%s: %+v", name, err)
		}
	}
	// Entra's strings stay accepted.
	res := aUser()
	res["emails"] = []any{map[string]any{"value": "anne@ecole.be", "primary": "True", "type": "work"}}
	if in, err := parseUser(res, extranet.SCIMUserInput{}); err != nil || in.Email != "anne@ecole.be" {
		t.Fatalf("%+v %v", in, err)
	}
	// A PATCH that sets a wrong type is refused when the user is read.
	res = aUser()
	if err := applyPatch(res, jsonOps(map[string]any{"op": "replace", "path": `emails[type eq "work"].primary`, "value": "yes"})); err != nil {
		t.Fatal(err.Detail)
	}
	if _, err := parseUser(res, extranet.SCIMUserInput{}); err == nil || err.ScimType != "invalidValue" {
		t.Fatalf("primary \"yes\" taken: %+v", err)
	}
}

// A filter's stray token is named as written.
func TestFilterStrayTokenNamed(t *testing.T) {
	for f, want := range map[string]string{
		`userName eq "x" extra`: "« extra »",
		`userName eq "x" "y"`:   `la chaîne "y"`,
		`userName eq "x")`:      "« ) »",
	} {
		_, err := parseUserFilter(f)
		if err == nil || err.ScimType != "invalidFilter" || !strings.Contains(err.Detail, want) {
			t.Errorf("%s: %+v, want %s", f, err, want)
		}
	}
}
