package scim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

// filterEnv is a school with two users created at 2026-12-07T00:06:35Z:
// Alice without a matricule, Bob with one.
func filterEnv(t *testing.T, dbURL string) (e *env, alice, bob string) {
	t.Helper()
	e = newEnv(t, dbURL)
	e.now = time.Date(2026, 12, 7, 0, 6, 35, 0, time.UTC)
	alice = e.create(e.tokenA, user("alice.martin@ecole.be", "Martin", "Alice", "1975-05-06"))
	body := user("bob.dubois@ecole.be", "Dubois", "Bob", "1977-05-06")
	body[enterpriseUser] = map[string]any{"employeeNumber": "17705060123"}
	bob = e.create(e.tokenA, body)
	return e, alice, bob
}

// list runs GET /Users?filter= and returns the ids found.
func (e *env) list(filter string) []string {
	e.t.Helper()
	resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(filter), e.tokenA, nil)
	e.want(resp, m, 200, "")
	return ids(m)
}

// refused checks that a filter is refused with scimType and a French
// detail holding each of words.
func (e *env) refused(filter, scimType string, words ...string) {
	e.t.Helper()
	resp, m := e.do("GET", "/Users?filter="+url.QueryEscape(filter), e.tokenA, nil)
	e.want(resp, m, 400, scimType)
	detail, _ := m["detail"].(string)
	for _, w := range words {
		if !strings.Contains(detail, w) {
			e.t.Errorf("filter %s: detail %q does not say %q", filter, detail, w)
		}
	}
}

// gt, ge, lt, le and eq on a dateTime compare instants (RFC 7644
// §3.4.2.2), whatever the offset and the fraction of a second.
func TestFilterDateTime(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, b := filterEnv(t, dbURL)
		both := []string{a, b}
		for filter, want := range map[string][]string{
			`meta.lastModified gt "2026-12-07T01:00:00+01:00"`:     both,
			`meta.lastModified gt "2026-12-07T01:06:35+01:00"`:     nil,
			`meta.created gt "2026-12-07T00:06:35.000Z"`:           nil,
			`meta.created ge "2026-12-07T00:06:35.000Z"`:           both,
			`meta.created eq "2026-12-07T01:06:35+01:00"`:          both,
			`meta.created ne "2026-12-07T00:06:35Z"`:               nil,
			`meta.created lt "2026-12-07T00:06:35.001Z"`:           both,
			`meta.created le "2026-12-06T23:06:34.999-01:00"`:      nil,
			`meta.lastModified lt "2026-12-06T23:59:59-05:00"`:     both,
			`meta.created sw "2026-12-07"`:                         both,
			`meta.created gt "2000-01-01T00:00:00Z" and id eq "x"`: nil,
			// Without an offset (xsd:dateTime allows it): UTC.
			`meta.created eq "2026-12-07T00:06:35"`:   both,
			`meta.created gt "2026-12-07T00:06:34.9"`: both,
			`meta.created gt "2026-12-07T00:06:35"`:   nil,
		} {
			if got := e.list(filter); !slices.Equal(got, want) {
				t.Errorf("filter %s: %v, want %v", filter, got, want)
			}
		}
		// birthDate is a string (/Schemas): YYYY-MM-DD orders as text.
		if got := e.list(`urn:passerelle:scim:schemas:extension:extranet:2.0:User:birthDate gt "1976-01-01"`); !slices.Equal(got, []string{b}) {
			t.Errorf("birthDate gt: %v, want %v", got, []string{b})
		}
		for _, bad := range []string{`meta.created gt "hier"`, `meta.lastModified le "2026-12-07"`, `meta.created eq 5`, `meta.created eq true`} {
			e.refused(bad, "invalidValue", "meta.", "RFC 3339")
		}
	})
}

// A multi-valued complex attribute compared as a whole is its value
// (RFC 7644 §3.4.2.2: emails co "example.com").
func TestFilterMultiValuedComplex(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, b := filterEnv(t, dbURL)
		for filter, want := range map[string][]string{
			`emails co "alice"`:                         {a},
			`emails eq "BOB.DUBOIS@ecole.be"`:           {b},
			`emails ew "@ecole.be"`:                     {a, b},
			`emails sw "carole"`:                        nil,
			`emails pr`:                                 {a, b},
			`not (emails co "alice")`:                   {b},
			`emails[type eq "work"]`:                    {a, b},
			`emails[type eq "work" and value co "bob"]`: {b},
			`emails[value co "alice"]`:                  {a},
		} {
			if got := e.list(filter); !slices.Equal(got, want) {
				t.Errorf("filter %s: %v, want %v", filter, got, want)
			}
		}
	})
}

// A filter names attributes the schemas define: another is refused,
// and one defined but absent from a user does not match it.
func TestFilterAttributes(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e, a, b := filterEnv(t, dbURL)
		e.refused(`nickName eq "x"`, "invalidFilter", "« nickName »", "userName")
		e.refused(`title pr`, "invalidFilter", "« title »")
		e.refused(`name.middleName eq "x"`, "invalidFilter", "« name.middleName »", "familyName")
		e.refused(`emails.display co "x"`, "invalidFilter", "« emails.display »", "value")
		e.refused(`emails[display eq "x"]`, "invalidFilter", "« display »", "primary")
		e.refused(`userName[value eq "x"]`, "invalidFilter", "« userName »")
		e.refused(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "x"`, "invalidFilter", "manager", "employeeNumber")
		e.refused(`name eq "x"`, "invalidFilter", "« name »", "name.familyName")
		e.refused(`meta eq "x"`, "invalidFilter", "« meta »")
		e.refused(`active gt "x"`, "invalidFilter", "active")
		// Inside a filter, an unreadable attribute is a bad filter.
		e.refused(`user..name eq "a"`, "invalidFilter", "« user..name »")
		e.refused(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x"`, "invalidFilter")

		for filter, want := range map[string][]string{
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "17705060123"`: {b},
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "x"`:           nil,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr`:               {b},
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`:                              {b},
			`name pr`:                                           {a, b},
			`NAME.FAMILYNAME eq "martin"`:                       {a},
			`userName eq "alice.martin@ecole.be"`:               {a},
			`schemas eq "` + enterpriseUser + `"`:               {b},
			`meta.resourceType eq "User"`:                       {a, b},
			`emails[type eq "work"].value ew "dubois@ecole.be"`: {b},
		} {
			if got := e.list(filter); !slices.Equal(got, want) {
				t.Errorf("filter %s: %v, want %v", filter, got, want)
			}
		}
	})
}

// The filters of a user's list are parsed against the schemas; those of a
// PATCH path (parseFilter) stay relative to the attribute they filter.
func TestParseUserFilter(t *testing.T) {
	at := time.Date(2026, 12, 7, 0, 6, 35, 0, time.UTC)
	res := withMeta(extranet.SCIMUser{ID: "u1", UserName: "alice@ecole.be", LastName: "Martin", FirstName: "Alice",
		Email: "alice@ecole.be", Role: "Enseignant", State: "active", Active: true, BirthDate: "1980-02-03",
		Created: at, Modified: at}, "https://x/scim/v2")
	for s, want := range map[string]bool{
		`meta.created eq "2026-12-07T00:06:35Z"`:                                       true,
		`meta.created gt "2026-12-07T00:06:35.000Z"`:                                   false,
		`meta.lastModified gt "2026-12-07T01:00:00+01:00"`:                             true,
		`meta.lastModified ge "2026-12-07t00:06:35z"`:                                  true,
		`emails co "alice"`:                                                            true,
		`emails eq "x"`:                                                                false,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr`: false,
		`externalId eq "x"`:                                                            false,
		`externalId ne "x"`:                                                            true,
		`externalId eq null`:                                                           true,
		`userName ne null`:                                                             true,
	} {
		f, err := parseUserFilter(s)
		if err != nil {
			t.Errorf("%s: %+v", s, err)
			continue
		}
		if got := f.match(res); got != want {
			t.Errorf("%s: %v, want %v", s, got, want)
		}
	}
	for s, scimType := range map[string]string{
		`nickName eq "x"`:        "invalidFilter",
		`name eq "x"`:            "invalidFilter",
		`user..name eq "a"`:      "invalidFilter",
		`meta.created gt "hier"`: "invalidValue",
		`meta.created gt null`:   "invalidFilter",
		`userName co null`:       "invalidFilter",
	} {
		if _, err := parseUserFilter(s); err == nil || err.Status != 400 || err.ScimType != scimType {
			t.Errorf("%s: %+v, want 400 %s", s, err, scimType)
		}
	}
	// A PATCH value path's filter: type is emails', not a User's.
	if f, err := parseFilter(`type eq "work"`); err != nil || !f.match(map[string]any{"type": "Work"}) {
		t.Errorf("relative filter: %v %+v", f, err)
	}
}

// FuzzUserFilter: any filter on users parses or is refused with a 400
// (invalidFilter, or invalidValue for a date), and a parsed one evaluates
// without panicking.
func FuzzUserFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `emails[type eq "work" and value co "@"].value pr`, `emails co "x"`,
		`meta.created gt "2026-12-07T00:06:35Z"`, `name eq "x"`, `user..name eq "a"`, `not (nickName pr)`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "1"`} {
		f.Add(s)
	}
	at := time.Date(2026, 12, 7, 0, 6, 35, 0, time.UTC)
	res := withMeta(extranet.SCIMUser{ID: "x", UserName: "u", LastName: "L", FirstName: "F", Email: "e@x.be",
		Role: "Enseignant", Active: true, Matricule: "18002030123", Created: at, Modified: at}, "https://x")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseUserFilter(s)
		if err != nil {
			if err.Status != 400 || (err.ScimType != "invalidFilter" && err.ScimType != "invalidValue") || err.Detail == "" {
				t.Fatalf("%q: %+v", s, err)
			}
			return
		}
		p.match(res)
	})
}

// An unknown attribute's refusal lists the User's attributes, each once.
func TestUnknownAttributeNamesEachOnce(t *testing.T) {
	_, err := parseUserFilter(`foo eq "x"`)
	if err == nil {
		t.Fatal("foo accepted")
	}
	_, list, _ := strings.Cut(err.Detail, "un User a ")
	seen := map[string]bool{}
	for _, name := range strings.Split(strings.TrimSuffix(list, " (voir /Schemas)"), ", ") {
		if seen[name] {
			t.Errorf("%q twice in %q", name, err.Detail)
		}
		seen[name] = true
	}
	if !seen["externalId"] || !seen["userName"] {
		t.Errorf("detail %q", err.Detail)
	}
}

// A query the server cannot decode is refused, never read without the
// pair it could not decode: a filter left out would list every user.
func TestUndecodableQuery(t *testing.T) {
	e, _, _ := filterEnv(t, "sqlite:"+t.TempDir()+"/extranet.db")
	for raw, scimType := range map[string]string{
		`filter=userName%20eq%20%22nobody;x@ecole.be%22`: "invalidFilter",
		`filter=displayName%20eq%20%22100%%22`:           "invalidFilter",
		`attributes=userName&x=%zz`:                      "invalidValue",
	} {
		resp, m := e.do("GET", "/Users?"+raw, e.tokenA, nil)
		e.want(resp, m, 400, scimType)
	}
	// Encoded, the same filter reads and matches no one.
	resp, m := e.do("GET", "/Users?filter=userName%20eq%20%22nobody%3Bx@ecole.be%22", e.tokenA, nil)
	e.want(resp, m, 200, "")
	if m["totalResults"] != float64(0) {
		t.Fatalf("%v", m)
	}
	// On a discovery endpoint, a filter that does not decode is a filter,
	// and so is one beside a pair that does not decode, its name escaped
	// or not; another undecodable query is refused as such.
	for _, raw := range []string{"filter=a;b", "%66ilter=x&y=%zz", "filter=x&y=%zz", "%66ilter=a;b"} {
		resp, m = e.do("GET", "/Schemas?"+raw, e.tokenA, nil)
		e.want(resp, m, 403, "")
	}
	resp, m = e.do("GET", "/Schemas?y=%zz", e.tokenA, nil)
	e.want(resp, m, 400, "invalidValue")
	resp, m = e.do("GET", "/Users?%66ilter=a;b", e.tokenA, nil)
	e.want(resp, m, 400, "invalidFilter")
}

// A filter's bound is 2,048 characters, not bytes, as every text's.
func TestFilterLengthInCharacters(t *testing.T) {
	if _, err := parseUserFilter(`userName eq "` + strings.Repeat("é", 2000) + `"`); err != nil {
		t.Fatalf("2,014 characters (4,014 bytes): %v", err.Detail)
	}
	if _, err := parseUserFilter(`userName eq "` + strings.Repeat("e", 2040) + `"`); err == nil || err.ScimType != "invalidFilter" {
		t.Fatalf("2,054 characters: %+v", err)
	}
}
