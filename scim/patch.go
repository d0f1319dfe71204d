package scim

// PATCH (RFC 7644 §3.5.2) on a user's resource: add, replace and remove,
// with or without a path, value-path filters (emails[type eq "work"].value),
// and what Microsoft Entra sends: capitalised op names, "True"/"False"
// strings, dotted attribute names as keys of a path-less value.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"passerelle/extranet"
)

// maxOperations bounds a PATCH request.
const maxOperations = 100

func syntax(detail string) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax", Detail: detail}
}

// applyPatch applies a PatchOp request to res.
func applyPatch(res, body map[string]any) *extranet.SCIMError {
	if err := checkSchemas(body, patchSchema); err != nil {
		return err
	}
	v, _, _ := lookup(body, "Operations")
	ops, ok := v.([]any)
	if !ok || len(ops) == 0 {
		return syntax("Operations manquant : donnez une liste d'opérations {\"op\": \"replace\", \"path\": …, \"value\": …}")
	}
	if len(ops) > maxOperations {
		return syntax("trop d'opérations : au plus 100 par requête")
	}
	for _, raw := range ops {
		o, ok := raw.(map[string]any)
		if !ok {
			return syntax("chaque opération est un objet {\"op\": …, \"path\": …, \"value\": …}")
		}
		if err := applyOp(res, o); err != nil {
			return err
		}
	}
	return nil
}

// checkSchemas refuses a body whose schemas is not a list of strings
// holding urn (RFC 7643 §3: "an array of Strings containing URIs").
func checkSchemas(body map[string]any, urn string) *extranet.SCIMError {
	v, _, _ := lookup(body, "schemas")
	list, isList := v.([]any)
	if v != nil && !isList {
		return syntax("schemas : une liste de chaînes est attendue, par exemple \"schemas\": [\"" + urn + "\"]")
	}
	found := false
	for _, s := range list {
		str, ok := s.(string)
		if !ok {
			return syntax("schemas : chaque élément est l'URN d'un schéma, entre guillemets")
		}
		found = found || strings.EqualFold(str, urn)
	}
	if !found {
		return syntax("schemas doit contenir " + urn)
	}
	return nil
}

func applyOp(res, o map[string]any) *extranet.SCIMError {
	opv, _, _ := lookup(o, "op")
	op, _ := opv.(string)
	op = strings.ToLower(op)
	if op != "add" && op != "replace" && op != "remove" {
		return syntax("op inconnu : add, replace ou remove")
	}
	pathv, _, _ := lookup(o, "path")
	path, isString := pathv.(string)
	if pathv != nil && !isString {
		return &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: "path illisible : un chemin d'attribut est une chaîne entre guillemets, par exemple \"name.givenName\""}
	}
	value, _, hasValue := lookup(o, "value")
	if op != "remove" && !hasValue {
		return syntax("value manquant pour l'opération " + op)
	}
	if path == "" {
		if op == "remove" {
			return &extranet.SCIMError{Status: 400, ScimType: "noTarget", Detail: "remove sans path : dites quel attribut retirer"}
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return syntax("sans path, value est un objet d'attributs")
		}
		for _, k := range pathLessOrder(obj) {
			if strings.EqualFold(k, "schemas") {
				continue
			}
			if err := applyPathOrExtension(res, op, k, obj[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return applyPathOrExtension(res, op, path, value)
}

// pathLessOrder is the order in which a path-less value's keys apply: by
// the depth of what each names, a whole attribute before the parts within
// it ("name", or its URN-prefixed name, before "name.givenName", which
// thus wins when both are given), then by name, case ignored, so that the
// same request always gives the same user.
func pathLessOrder(obj map[string]any) []string {
	keys := slices.Collect(maps.Keys(obj))
	depth := make(map[string]int, len(keys))
	for _, k := range keys {
		depth[k] = pathDepth(k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := depth[a] - depth[b]; c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys
}

// pathDepth is how deep path reaches into a user: 1 for an attribute or
// a whole extension, one more for each sub-attribute, value filter or
// sub-attribute after it; 0 for what does not read (refused when applied).
func pathDepth(path string) int {
	for _, urn := range extensions {
		if strings.EqualFold(path, urn) {
			return 1
		}
	}
	t, err := parsePath(path)
	if err != nil {
		return 0
	}
	d := len(t.attr)
	if t.filter != nil {
		d++
	}
	if t.sub != "" {
		d++
	}
	return d
}

// applyPathOrExtension applies an operation whose path may be a whole
// extension's URN (RFC 7643 §3.3 nests an extension's attributes under
// it): its value's attributes are applied one by one, as paths of that
// extension; remove takes the extension away.
func applyPathOrExtension(res map[string]any, op, path string, value any) *extranet.SCIMError {
	for _, urn := range extensions[:2] {
		if !strings.EqualFold(path, urn) {
			continue
		}
		if op == "remove" {
			_, key, _ := lookup(res, urn)
			delete(res, key)
			return nil
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return invalid("%s : un objet d'attributs de l'extension est attendu", urn)
		}
		for k, v := range obj {
			if err := applyPath(res, op, urn+":"+k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return applyPath(res, op, path, value)
}

// readOnly reports whether attribute path attr (lower-case names, as
// attrPath gives) is one /Schemas declares read-only: a PATCH must not
// touch it (RFC 7644 §3.5.2).
func readOnly(attr []string) bool {
	switch {
	case len(attr) == 0:
		return false
	case attr[0] == "id" || attr[0] == "meta" || attr[0] == "schemas":
		return true
	case len(attr) == 2 && attr[0] == strings.ToLower(extranetUser) && attr[1] == "state":
		return true
	}
	return false
}

// touchesReadOnly reports whether an operation on attr with value would
// write a read-only attribute: attr itself, or one that a complex value
// gives beneath it.
func touchesReadOnly(attr []string, value any) (string, bool) {
	if readOnly(attr) {
		return attr[len(attr)-1], true
	}
	if obj, ok := value.(map[string]any); ok {
		for k := range obj {
			if readOnly(append(slices.Clip(attr), strings.ToLower(k))) {
				return k, true
			}
		}
	}
	return "", false
}

// target is a parsed PATCH path: attribute names (an extension's URN
// first), an optional value filter, and the sub-attribute after it.
type target struct {
	attr   []string
	filter filter
	eq     *comparison // the filter, when it is attr eq value: what a new element gets
	sub    string
	inner  string // the filter as written
}

func parsePath(path string) (target, *extranet.SCIMError) {
	var t target
	head, rest, bracket := strings.Cut(path, "[")
	attr, err := attrPath(head)
	if err != nil {
		return t, err
	}
	t.attr = attr
	if bracket {
		inner, after, ok := cutBracket(rest)
		if !ok {
			return t, &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: "crochet fermant manquant dans " + path}
		}
		t.inner = inner
		// What is between the brackets is a filter (RFC 7644 §3.12:
		// invalidFilter applies to a PATCH's path filter).
		if t.filter, err = parseFilter(inner); err != nil {
			return t, err
		}
		if c, ok := t.filter.(comparison); ok && c.op == "eq" && len(c.path) == 1 {
			t.eq = &c
		}
		if after != "" {
			if !strings.HasPrefix(after, ".") || !validName(after[1:]) {
				return t, &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: "chemin illisible : " + path}
			}
			t.sub = after[1:]
		}
	}
	return t, nil
}

// cutBracket cuts s, what follows a path's "[", at the "]" that closes
// it: the first outside a quoted string, where a "]" is a character of the
// value (emails[value eq "a]b@x.be"]).
func cutBracket(s string) (inner, after string, ok bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ']':
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func applyPath(res map[string]any, op, path string, value any) *extranet.SCIMError {
	if unknownExtension(path) {
		// An attribute of a schema this provider does not know (an
		// identity provider's own extension): ignored, as in a POST or
		// a PUT, so that it does not hold back the request's other
		// operations, a deactivation among them.
		return nil
	}
	t, err := parsePath(path)
	if err != nil {
		return err
	}
	if name, ro := touchesReadOnly(t.attr, value); ro {
		return &extranet.SCIMError{Status: 400, ScimType: "mutability", Detail: "l'attribut " + name + " est en lecture seule : retirez-le de l'opération"}
	}
	if ignore, err := checkPath(t); err != nil || ignore {
		// An attribute the extranet does not keep (phoneNumbers,
		// addresses, title… that Entra's default mappings send): the
		// operation changes nothing, whatever its filter selects.
		return err
	}
	// The container of the last name: the resource, or the objects on the
	// way (an extension, name).
	obj := res
	for i, name := range t.attr[:len(t.attr)-1] {
		v, key, ok := lookup(obj, name)
		if list, isList := v.([]any); isList && i == len(t.attr)-2 && t.filter == nil {
			// A sub-attribute of a multi-valued attribute, without a
			// filter (emails.value): that of each of its values.
			return applyEach(list, op, t.attr[len(t.attr)-1], value)
		}
		child, isObj := v.(map[string]any)
		if !ok || !isObj {
			if op == "remove" {
				return nil
			}
			child = map[string]any{}
			if key == "" {
				key = canonical(name)
			}
			obj[key] = child
		}
		obj = child
	}
	last := t.attr[len(t.attr)-1]
	if t.filter != nil {
		return applyFiltered(obj, op, last, t, value)
	}
	return setAttr(obj, op, last, value)
}

// applyEach applies an operation on the sub-attribute name of every value
// of a multi-valued attribute (RFC 7644 §3.5.2: a path without a value
// filter selects them all).
func applyEach(list []any, op, name string, value any) *extranet.SCIMError {
	for _, el := range list {
		if o, ok := el.(map[string]any); ok {
			if err := setAttr(o, op, name, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// notKept are the attributes RFC 7643 defines for a User (§4.1, §4.3)
// that the extranet does not keep, by lower-case path: an operation on
// them changes nothing, since identity providers' default mappings send
// some (Entra: phoneNumbers, addresses, title, department,
// name.formatted).
var notKept = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range []string{"nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone",
		"password", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles", "x509Certificates",
		"name.formatted", "name.middleName", "name.honorificPrefix", "name.honorificSuffix", "emails.display",
		enterpriseUser + ".costCenter", enterpriseUser + ".organization", enterpriseUser + ".division",
		enterpriseUser + ".department", enterpriseUser + ".manager"} {
		m[strings.ToLower(a)] = true
	}
	return m
}()

// checkPath finds t's attribute among a User's (userAttrs, what /Schemas
// describes). ignore is true for one that RFC 7643 defines and the
// extranet does not keep (notKept). A path no schema defines, a
// sub-attribute of a simple attribute or a value filter on an attribute
// without several values answer 400 invalidPath (RFC 7644 §3.5.2); a value
// filter that names what the values do not have, or compares them as
// their type does not allow, invalidFilter (RFC 7644 §3.12).
func checkPath(t target) (ignore bool, err *extranet.SCIMError) {
	defs, parent := userAttrs, ""
	var d *attrDef
	for i, name := range t.attr {
		if notKept[strings.Join(t.attr[:i+1], ".")] {
			return true, nil
		}
		if i > 0 && len(defs) == 0 {
			return false, badPath("« %s » n'a pas de sous-attributs : retirez « .%s » du path", parent, name)
		}
		if d = findAttr(defs, name); d == nil {
			return false, badPath("%s", filterReason(unknownAttr(name, parent, defs)))
		}
		defs, parent = d.sub, d.name
	}
	if t.filter != nil {
		if !d.multi || len(d.sub) == 0 {
			return false, badPath("« %s » n'a qu'une valeur : un filtre entre crochets ne s'applique qu'à un attribut à plusieurs valeurs, comme emails", d.name)
		}
		if _, err := parseWithin(t.inner, withNotKept(d.sub, strings.Join(t.attr, ".")), d.name); err != nil {
			// The filter names what the values do not have, or compares
			// them as their type does not allow: invalidFilter (RFC
			// 7644 §3.12, and §3.4.2.2 for gt on a boolean).
			return false, &extranet.SCIMError{Status: 400, ScimType: "invalidFilter", Detail: "path invalide : " + filterReason(err)}
		}
	}
	if t.sub != "" {
		if notKept[strings.Join(t.attr, ".")+"."+strings.ToLower(t.sub)] {
			return true, nil
		}
		if findAttr(d.sub, t.sub) == nil {
			return false, badPath("%s", filterReason(unknownAttr(t.sub, d.name, d.sub)))
		}
	}
	return false, nil
}

// withNotKept is defs, the sub-attributes of the attribute at path (lower
// case), with those of it that notKept names, as strings: a value filter
// may name them (emails[display eq "x"]), and matches no value by them.
func withNotKept(defs []attrDef, path string) []attrDef {
	out := slices.Clip(defs)
	for k := range notKept {
		if sub, ok := strings.CutPrefix(k, path+"."); ok && !strings.Contains(sub, ".") {
			out = append(out, attrDef{name: sub, typ: "string"})
		}
	}
	return out
}

func badPath(format string, a ...any) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: "path invalide : " + fmt.Sprintf(format, a...)}
}

// canonical is an attribute's name as the resource writes it.
func canonical(lower string) string {
	for _, n := range []string{enterpriseUser, extranetUser, "name", "emails", "familyName", "givenName", "userName",
		"externalId", "active", "employeeNumber", "birthDate", "role", "displayName", "value", "type", "primary"} {
		if strings.EqualFold(n, lower) {
			return n
		}
	}
	return lower
}

func setAttr(obj map[string]any, op, name string, value any) *extranet.SCIMError {
	cur, key, exists := lookup(obj, name)
	if !exists {
		key = canonical(name)
	}
	switch op {
	case "remove":
		delete(obj, key)
		return nil
	case "add":
		if list, ok := cur.([]any); ok {
			more, ok := value.([]any)
			if !ok {
				more = []any{value}
			}
			if slices.ContainsFunc(more, isPrimary) {
				// RFC 7644 §3.5.2: one primary value at most.
				setPrimary(list, false)
			}
			obj[key] = append(list, more...)
			return nil
		}
	}
	// A complex value is merged into a complex attribute.
	if old, ok := cur.(map[string]any); ok {
		if nv, ok := value.(map[string]any); ok {
			for k, v := range nv {
				if err := setAttr(old, "replace", k, v); err != nil {
					return err
				}
			}
			return nil
		}
	}
	obj[key] = value
	return nil
}

// applyFiltered applies an operation to the elements of a multi-valued
// attribute that match t.filter. With no match, add creates the element
// the filter describes (what Entra expects of emails[type eq
// "work"].value) and replace fails (noTarget).
func applyFiltered(obj map[string]any, op, name string, t target, value any) *extranet.SCIMError {
	cur, key, exists := lookup(obj, name)
	if !exists {
		key = canonical(name)
	}
	list, _ := cur.([]any)
	whole, _ := value.(map[string]any)
	if op != "remove" && t.sub == "" && whole == nil {
		// The values the filter selects are objects: what replaces or
		// completes them is one too (RFC 7644 §3.5.2).
		return invalid("%s[%s] : un objet est attendu, par exemple {\"value\": \"…\", \"type\": \"work\"}", name, t.inner)
	}
	var kept []any
	// set are the positions in kept of the values the operation wrote.
	var set []int
	matched := false
	for _, el := range list {
		o, ok := el.(map[string]any)
		if !ok || !t.filter.match(o) {
			kept = append(kept, el)
			continue
		}
		matched = true
		switch {
		case op == "remove" && t.sub == "":
			continue
		case t.sub == "":
			for k, v := range whole {
				if err := setAttr(o, op, k, v); err != nil {
					return err
				}
			}
		default:
			if err := setAttr(o, op, t.sub, value); err != nil {
				return err
			}
		}
		set = append(set, len(kept))
		kept = append(kept, o)
	}
	if !matched && op == "replace" {
		// RFC 7644 §3.5.2.3: a value filter that selects nothing.
		return &extranet.SCIMError{Status: 400, ScimType: "noTarget", Detail: "aucune valeur de " + name + " ne répond au filtre du chemin : ajoutez-la avec op add"}
	}
	if !matched && op == "add" {
		el := map[string]any{}
		if t.eq != nil {
			el[canonical(t.eq.path[0])] = t.eq.value
		}
		if t.sub != "" {
			el[canonical(t.sub)] = value
		} else if nv, ok := value.(map[string]any); ok {
			for k, v := range nv {
				el[k] = v
			}
		}
		set = append(set, len(kept))
		kept = append(kept, el)
	}
	if kept == nil {
		kept = []any{}
	}
	if op != "remove" && setsPrimary(t.sub, value) {
		// RFC 7644 §3.5.2: the values made primary now stay so; the
		// others are not.
		for i, el := range kept {
			if !slices.Contains(set, i) {
				setPrimary([]any{el}, false)
			}
		}
	}
	obj[key] = kept
	return nil
}

// setsPrimary tells whether an operation's value, on the sub-attribute sub
// ("" for the whole value), makes a value primary.
func setsPrimary(sub string, value any) bool {
	if sub == "" {
		o, _ := value.(map[string]any)
		v, _, ok := lookup(o, "primary")
		if !ok {
			return false
		}
		value = v
	} else if !strings.EqualFold(sub, "primary") {
		return false
	}
	b, err := boolean(value, "primary")
	return err == nil && b
}

// isPrimary reports whether a multi-valued attribute's element says it is
// the primary one.
func isPrimary(el any) bool {
	o, ok := el.(map[string]any)
	if !ok {
		return false
	}
	v, _, _ := lookup(o, "primary")
	b, _ := boolean(v, "primary")
	return b
}

// setPrimary sets the primary flag of the elements of list that have one.
func setPrimary(list []any, b bool) {
	for _, el := range list {
		if o, ok := el.(map[string]any); ok {
			if _, key, has := lookup(o, "primary"); has {
				o[key] = b
			}
		}
	}
}
