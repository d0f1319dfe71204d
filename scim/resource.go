package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"passerelle/extranet"
)

// Schema URNs.
const (
	coreUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// extranetUser is the project's own extension: birth date and role.
	extranetUser = "urn:passerelle:scim:schemas:extension:extranet:2.0:User"
	listSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	patchSchema  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	searchSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// extensions are the schema URNs a path or a body key may start with.
var extensions = []string{enterpriseUser, extranetUser, coreUser}

// DefaultRole is the role of a user created without one: the IdP of a
// school provisions its teachers; a director's role is set explicitly.
const DefaultRole = "Enseignant"

// resource is a user as SCIM shows it, less meta.
func resource(u extranet.SCIMUser) map[string]any {
	m := map[string]any{
		"schemas":  []any{coreUser, extranetUser},
		"id":       u.ID,
		"userName": u.UserName,
		"name":     map[string]any{"familyName": u.LastName, "givenName": u.FirstName},
		"emails":   []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"active":   u.Active,
	}
	if u.DisplayName != "" {
		// Only as the client gave it: one it replaced with "" or null,
		// or removed, is unassigned (RFC 7644 §3.5.2.2), and a name the
		// service would make up could not be told from it.
		m["displayName"] = u.DisplayName
	}
	ext := map[string]any{"role": u.Role, "state": u.State}
	if u.BirthDate != "" {
		ext["birthDate"] = u.BirthDate
	}
	m[extranetUser] = ext
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	if u.Matricule != "" {
		m["schemas"] = []any{coreUser, enterpriseUser, extranetUser}
		m[enterpriseUser] = map[string]any{"employeeNumber": u.Matricule}
	}
	return m
}

// version is a user's weak ETag: a hash of what it shows and of when it
// last changed, so that a user changed and changed back (deactivated, then
// active again) does not take its old version back: an If-Match read
// before the round trip no longer holds (RFC 7644 §3.14). The instant is
// taken to the microsecond, as both stores keep it.
func version(u extranet.SCIMUser) string {
	b, _ := json.Marshal(resource(u))
	b = strconv.AppendInt(append(b, ' '), u.Modified.UTC().Truncate(time.Microsecond).UnixMicro(), 10)
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

// withMeta is resource(u) with its meta.
func withMeta(u extranet.SCIMUser, base string) map[string]any {
	m := resource(u)
	m["meta"] = map[string]any{
		"resourceType": "User",
		"created":      u.Created.UTC().Format(time.RFC3339),
		"lastModified": u.Modified.UTC().Format(time.RFC3339),
		"location":     base + "/Users/" + u.ID,
		"version":      version(u),
	}
	return m
}

// lookup returns m's value for key, case ignored (RFC 7643 §2.1).
func lookup(m map[string]any, key string) (any, string, bool) {
	if v, ok := m[key]; ok {
		return v, key, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, k, true
		}
	}
	return nil, "", false
}

func invalid(format string, args ...any) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidValue", Detail: fmt.Sprintf(format, args...)}
}

// str reads an optional string attribute: a number or any other type is
// refused (RFC 7643 §2.3.1, RFC 7644 §3.12 invalidValue).
func str(m map[string]any, key, name string) (string, bool, *extranet.SCIMError) {
	v, _, ok := lookup(m, key)
	if !ok || v == nil {
		return "", false, nil
	}
	if x, isString := v.(string); isString {
		return x, true, nil
	}
	return "", false, invalid("%s : une chaîne de caractères est attendue, entre guillemets", name)
}

// boolean reads a boolean, or the strings "True" and "False" that
// Microsoft Entra sends.
func boolean(v any, name string) (bool, *extranet.SCIMError) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, invalid("%s : true ou false est attendu", name)
}

// object reads an optional complex attribute.
func object(m map[string]any, key, name string) (map[string]any, *extranet.SCIMError) {
	v, _, ok := lookup(m, key)
	if !ok || v == nil {
		return nil, nil
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		return nil, invalid("%s : un objet est attendu", name)
	}
	return o, nil
}

// parseUser reads a user resource. Attributes it does not give keep the
// values of def: a PUT does not assert what it leaves out (RFC 7644
// §3.5.1), a POST gets the defaults.
func parseUser(m map[string]any, def extranet.SCIMUserInput) (extranet.SCIMUserInput, *extranet.SCIMError) {
	in := def
	var err *extranet.SCIMError
	set := func(dst *string, obj map[string]any, key, name string) {
		if err != nil || obj == nil {
			return
		}
		if v, ok, e := str(obj, key, name); e != nil {
			err = e
		} else if ok {
			*dst = v
		} else if v, _, sent := lookup(obj, key); sent && v == nil {
			// null unassigns (RFC 7643 §2.5): what a PUT leaves
			// out stays, what it gives as null goes; the role goes
			// back to the default one, as at creation.
			*dst = ""
			if key == "role" {
				*dst = DefaultRole
			}
		}
	}
	in.UserName, in.LastName, in.FirstName, in.Email = "", "", "", def.Email
	set(&in.UserName, m, "userName", "userName")
	set(&in.ExternalID, m, "externalId", "externalId")
	set(&in.DisplayName, m, "displayName", "displayName")
	name, e := object(m, "name", "name")
	if e != nil {
		return in, e
	}
	set(&in.LastName, name, "familyName", "name.familyName")
	set(&in.FirstName, name, "givenName", "name.givenName")
	ent, e := object(m, enterpriseUser, enterpriseUser)
	if e != nil {
		return in, e
	}
	set(&in.Matricule, ent, "employeeNumber", "employeeNumber")
	if v, _, sent := lookup(m, enterpriseUser); sent && v == nil {
		// A whole extension given as null unassigns its attributes.
		in.Matricule = ""
	}
	ext, e := object(m, extranetUser, extranetUser)
	if e != nil {
		return in, e
	}
	set(&in.BirthDate, ext, "birthDate", "birthDate")
	set(&in.Role, ext, "role", "role")
	if v, _, sent := lookup(m, extranetUser); sent && v == nil {
		in.BirthDate, in.Role = "", DefaultRole
	}
	if err != nil {
		return in, err
	}
	if v, _, ok := lookup(m, "active"); ok && v != nil {
		if in.Active, err = boolean(v, "active"); err != nil {
			return in, err
		}
	}
	email, err := workEmail(m)
	if err != nil {
		return in, err
	}
	if _, _, sent := lookup(m, "emails"); sent || in.Email == "" {
		// Not sent, the address stays (a PUT does not assert it).
		in.Email = email
	}
	if in.Email == "" {
		in.Email = in.UserName
	}
	// One spelling of each accented letter (NFC) for what SCIM keeps
	// itself: an identity provider that sends « é » decomposed (macOS
	// writes so) names the same user as one that sends it composed. The
	// names stay as sent: they are the school's grant's, whose identity
	// key already reads either spelling, and a spelling changed behind a
	// client's back would be a modification it never asked for.
	// externalId, an identifier the client compares exactly, stays as
	// sent too.
	in.UserName, in.DisplayName = norm.NFC.String(in.UserName), norm.NFC.String(in.DisplayName)
	return in, nil
}

// workEmail is the address of emails: the primary one, else the work one,
// else the first; "" when there is none.
func workEmail(m map[string]any) (string, *extranet.SCIMError) {
	v, _, ok := lookup(m, "emails")
	if !ok || v == nil {
		return "", nil
	}
	list, isList := v.([]any)
	if !isList {
		return "", invalid("emails : une liste est attendue, par exemple [{\"value\": \"prenom.nom@ecole.be\", \"type\": \"work\"}]")
	}
	var primary, work, first string
	for _, item := range list {
		o, isObj := item.(map[string]any)
		if !isObj {
			return "", invalid("emails : chaque adresse est un objet {\"value\": …, \"type\": \"work\"}")
		}
		value, _, e := str(o, "value", "emails.value")
		if e != nil {
			return "", e
		}
		// Every sub-attribute has the type /Schemas gives it, even on an
		// address that is left out.
		t, _, e := str(o, "type", "emails.type")
		if e != nil {
			return "", e
		}
		if _, _, e := str(o, "display", "emails.display"); e != nil {
			return "", e
		}
		isPrimary := false
		if p, _, ok := lookup(o, "primary"); ok && p != nil {
			if isPrimary, e = boolean(p, "emails.primary"); e != nil {
				return "", e
			}
		}
		if value == "" {
			continue
		}
		if isPrimary {
			if primary != "" {
				// RFC 7643 §2.4: at most one primary value.
				return "", invalid("emails : une seule adresse peut être primary")
			}
			primary = value
		}
		if strings.EqualFold(t, "work") && work == "" {
			work = value
		}
		if first == "" {
			first = value
		}
	}
	for _, v := range []string{primary, work, first} {
		if v != "" {
			return v, nil
		}
	}
	return "", nil
}
