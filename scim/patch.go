package scim

// PATCH (RFC 7644 §3.5.2) on a user's resource: add, replace and remove,
// with or without a path, value-path filters (emails[type eq "work"].value),
// and what Microsoft Entra sends: capitalised op names, "True"/"False"
// strings, dotted attribute names as keys of a path-less value.

import (
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
	if !hasSchema(body, patchSchema) {
		return syntax("schemas doit contenir " + patchSchema)
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

func hasSchema(body map[string]any, urn string) bool {
	v, _, _ := lookup(body, "schemas")
	list, _ := v.([]any)
	for _, s := range list {
		if str, ok := s.(string); ok && strings.EqualFold(str, urn) {
			return true
		}
	}
	return false
}

func applyOp(res, o map[string]any) *extranet.SCIMError {
	opv, _, _ := lookup(o, "op")
	op, _ := opv.(string)
	op = strings.ToLower(op)
	if op != "add" && op != "replace" && op != "remove" {
		return syntax("op inconnu : add, replace ou remove")
	}
	pathv, _, _ := lookup(o, "path")
	path, _ := pathv.(string)
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
		for k, v := range obj {
			if strings.EqualFold(k, "schemas") {
				continue
			}
			if err := applyPath(res, op, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return applyPath(res, op, path, value)
}

// target is a parsed PATCH path: attribute names (an extension's URN
// first), an optional value filter, and the sub-attribute after it.
type target struct {
	attr   []string
	filter filter
	eq     *comparison // the filter, when it is attr eq value: what a new element gets
	sub    string
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
		inner, after, ok := strings.Cut(rest, "]")
		if !ok {
			return t, &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: "crochet fermant manquant dans " + path}
		}
		if t.filter, err = parseFilter(inner); err != nil {
			err.ScimType = "invalidPath"
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
	switch t.attr[0] {
	case "id", "meta", "schemas":
		return t, &extranet.SCIMError{Status: 400, ScimType: "mutability", Detail: "l'attribut " + t.attr[0] + " est en lecture seule"}
	}
	return t, nil
}

func applyPath(res map[string]any, op, path string, value any) *extranet.SCIMError {
	t, err := parsePath(path)
	if err != nil {
		return err
	}
	// The container of the last name: the resource, or the objects on the
	// way (an extension, name).
	obj := res
	for _, name := range t.attr[:len(t.attr)-1] {
		v, key, ok := lookup(obj, name)
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
			if more, ok := value.([]any); ok {
				obj[key] = append(list, more...)
			} else {
				obj[key] = append(list, value)
			}
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
	var kept []any
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
			if err := setAttr(map[string]any{"x": o}, "replace", "x", value); err != nil {
				return err
			}
		default:
			if err := setAttr(o, op, t.sub, value); err != nil {
				return err
			}
		}
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
		kept = append(kept, el)
	}
	if kept == nil {
		kept = []any{}
	}
	obj[key] = kept
	return nil
}
