package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"passerelle/frtext"
	"passerelle/wire"
)

// The fields a snapshot may hold. encoding/json would accept any case
// ("LastName") and drop unknown fields without a word, and its errors name
// neither the entry nor the field in French: the snapshot is decoded by hand
// from raw messages instead, so that every fault is reported with its place.
var (
	snapshotFields = []string{"schoolYear", "confirmDeactivations", "staff", "keep"}
	staffFields    = []string{"lastName", "firstName", "birthDate", "matricule", "email", "role"}
	keepFields     = []string{"lastName", "firstName", "birthDate", "matricule"}
)

// decodeSnapshot decodes a request body into a Snapshot. It returns a 400
// problem listing every fault it finds: a body that is not JSON, not an
// object, an unknown field, a value of the wrong type. It checks the shape
// only; what the values mean (a school year, a role, an e-mail address) is
// the service's to check.
func decodeSnapshot(body []byte) (wire.Snapshot, *problemError) {
	var snap wire.Snapshot
	if len(bytes.TrimSpace(body)) == 0 {
		return snap, malformed("Le corps de la demande est vide : envoyez l'instantané du personnel en JSON.")
	}
	if !utf8.Valid(body) {
		return snap, malformed("Le corps de la demande n'est pas encodé en UTF-8 : envoyez le JSON en UTF-8.")
	}
	if !json.Valid(body) {
		var top map[string]json.RawMessage
		err := json.Unmarshal(body, &top)
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return snap, malformed(fmt.Sprintf("Le corps de la demande n'est pas du JSON valide (erreur au caractère %d) : vérifiez le programme qui l'envoie.", syn.Offset))
		}
		return snap, malformed("Le corps de la demande doit être un objet JSON {\"schoolYear\": …, \"staff\": […]}.")
	}
	// The body is valid JSON from here on: it is split by hand (splitObject,
	// splitArray), which reads it once where encoding/json would check it
	// again at each level.
	top, dup, ok := splitObject(body)
	if !ok || top == nil {
		return snap, malformed("Le corps de la demande doit être un objet JSON {\"schoolYear\": …, \"staff\": […]}.")
	}
	var errs []wire.FieldError
	if dup != "" {
		errs = append(errs, wire.FieldError{Index: -1, Field: dup, Message: duplicateMessage(dup)})
	}
	for _, key := range sortedKeys(top) {
		raw := top[key]
		switch key {
		case "schoolYear":
			errs = decodeString(raw, -1, key, &snap.SchoolYear, errs)
		case "confirmDeactivations":
			errs = decodeCount(raw, key, &snap.ConfirmDeactivations, errs)
		case "staff":
			errs = decodeList(raw, key, staffFields, errs, func(i int, fields map[string]json.RawMessage, errs []wire.FieldError) []wire.FieldError {
				e, errs := decodeEntry(key, i, fields, errs)
				snap.Staff = append(snap.Staff, e)
				return errs
			})
		case "keep":
			errs = decodeList(raw, key, keepFields, errs, func(i int, fields map[string]json.RawMessage, errs []wire.FieldError) []wire.FieldError {
				e, errs := decodeEntry(key, i, fields, errs)
				snap.Keep = append(snap.Keep, wire.KeepEntry{
					LastName: e.LastName, FirstName: e.FirstName, BirthDate: e.BirthDate, Matricule: e.Matricule,
				})
				return errs
			})
		default:
			errs = append(errs, wire.FieldError{Index: -1, Field: key,
				Message: fmt.Sprintf("champ inconnu « %s » : les champs admis sont %s", key, fieldList(snapshotFields))})
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, compareFieldErrors)
		return wire.Snapshot{}, malformed(faultsDetail(len(errs)), errs...)
	}
	return snap, nil
}

// decodeList decodes a JSON array of objects (null is an empty list), checks
// each object's field names against allowed, and hands each object to entry.
func decodeList(raw json.RawMessage, list string, allowed []string, errs []wire.FieldError,
	entry func(i int, fields map[string]json.RawMessage, errs []wire.FieldError) []wire.FieldError) []wire.FieldError {
	items, ok := splitArray(raw)
	if !ok {
		return append(errs, wire.FieldError{Index: -1, Field: list,
			Message: fmt.Sprintf("« %s » doit être une liste [ … ] de personnes", list)})
	}
	for i, item := range items {
		fields, dup, ok := splitObject(item)
		if !ok || fields == nil {
			errs = append(errs, wire.FieldError{Index: i, Field: fmt.Sprintf("%s[%d]", list, i),
				Message: "chaque personne doit être un objet JSON { … }"})
			continue
		}
		if dup != "" {
			errs = append(errs, wire.FieldError{Index: i, Field: fmt.Sprintf("%s[%d].%s", list, i, dup), Message: duplicateMessage(dup)})
		}
		for _, name := range sortedKeys(fields) {
			if !slices.Contains(allowed, name) {
				errs = append(errs, wire.FieldError{Index: i, Field: fmt.Sprintf("%s[%d].%s", list, i, name),
					Message: fmt.Sprintf("champ inconnu « %s » : les champs admis sont %s", name, fieldList(allowed))})
				delete(fields, name)
			}
		}
		errs = entry(i, fields, errs)
	}
	return errs
}

// decodeEntry decodes the fields of entry i of the list "staff" or "keep".
// decodeList has dropped the fields the list does not allow, so a keep
// entry never has an e-mail nor a role.
func decodeEntry(list string, i int, fields map[string]json.RawMessage, errs []wire.FieldError) (wire.StaffEntry, []wire.FieldError) {
	var e wire.StaffEntry
	for name, v := range fields {
		var dst *string
		switch name {
		case "lastName":
			dst = &e.LastName
		case "firstName":
			dst = &e.FirstName
		case "birthDate":
			dst = &e.BirthDate
		case "matricule":
			dst = &e.Matricule
		case "email":
			dst = &e.Email
		case "role":
			dst = &e.Role
		default:
			continue
		}
		path := list + "[" + strconv.Itoa(i) + "]." + name // not Sprintf: 420 times a transfer
		errs = decodeString(v, i, path, dst, errs)
	}
	return e, errs
}

// decodeString decodes a JSON string; null leaves it empty.
func decodeString(raw json.RawMessage, index int, path string, dst *string, errs []wire.FieldError) []wire.FieldError {
	if s, ok := plainString(raw); ok {
		*dst = s
		return errs
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return append(errs, wire.FieldError{Index: index, Field: path,
			Message: fmt.Sprintf("« %s » doit être une chaîne de caractères entre guillemets", lastSegment(path))})
	}
	return errs
}

// plainString returns the value of a JSON string with no escape sequence,
// which is nearly every value of a snapshot, without the cost of
// json.Unmarshal (a third of a 70-staff transfer's decoding). The body was
// checked to be valid JSON in valid UTF-8, so the bytes between the quotes
// are the value.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(inner), true
}

// isSpace reports JSON's white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first byte at or after i that is not
// white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value that starts at b[i].
// b must be valid JSON (json.Valid): it checks nothing.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
			j++
		}
		return j
	}
}

// skipString returns the index just past the JSON string that starts at
// b[i] (its opening quote).
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// isNull reports whether the valid JSON value raw is null.
func isNull(raw []byte) bool {
	i := skipSpace(raw, 0)
	return len(raw)-i >= 4 && string(raw[i:i+4]) == "null"
}

// splitArray splits a valid JSON value as json.Unmarshal into a
// []json.RawMessage does: nil for null, the elements of an array, and false
// for any other value.
func splitArray(raw []byte) ([]json.RawMessage, bool) {
	if isNull(raw) {
		return nil, true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	items := []json.RawMessage{}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return items, true
	}
	for i < len(raw) {
		end := skipValue(raw, i)
		items = append(items, json.RawMessage(raw[i:end]))
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return items, true
}

// splitObject splits a valid JSON value as json.Unmarshal into a
// map[string]json.RawMessage does: nil for null, the members of an object
// (the last of a repeated name wins), and false for any other value. dup is
// the first name the object repeats, "" when none: a strict decoder refuses
// it rather than pick one of two values.
func splitObject(raw []byte) (fields map[string]json.RawMessage, dup string, ok bool) {
	if isNull(raw) {
		return nil, "", true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, "", false
	}
	fields = map[string]json.RawMessage{}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		kend := skipString(raw, i)
		name, ok := plainString(raw[i:kend])
		if !ok {
			if err := json.Unmarshal(raw[i:kend], &name); err != nil {
				return nil, "", false
			}
		}
		i = skipSpace(raw, kend)
		i = skipSpace(raw, i+1) // past the colon
		end := skipValue(raw, i)
		if _, seen := fields[name]; seen && dup == "" {
			dup = name
		}
		fields[name] = json.RawMessage(raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return fields, dup, true
}

// decodeCount decodes a whole number ≥ 0; null is 0.
func decodeCount(raw json.RawMessage, path string, dst *int, errs []wire.FieldError) []wire.FieldError {
	if string(raw) == "null" {
		return errs
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return append(errs, wire.FieldError{Index: -1, Field: path,
			Message: fmt.Sprintf("« %s » doit être un nombre entier positif ou nul", path)})
	}
	*dst = int(n)
	return errs
}

// lastSegment is the field name at the end of a path such as staff[3].email.
func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// compareFieldErrors orders faults by list, entry, then field, so that the
// answer does not depend on the order in which Go walks a map.
func compareFieldErrors(a, b wire.FieldError) int {
	return cmp.Or(
		strings.Compare(listOf(a.Field), listOf(b.Field)),
		cmp.Compare(a.Index, b.Index),
		strings.Compare(a.Field, b.Field))
}

// listOf is the top-level field of a path: "staff" for staff[3].email.
func listOf(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 {
		return path[:i]
	}
	return path
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fieldList(names []string) string { return strings.Join(names, ", ") }

// faultsDetail is the detail of a 400 listing n faults.
func faultsDetail(n int) string {
	return "L'instantané envoyé est mal formé (" + frtext.Plural(n, "erreur", "erreurs") + ", détail dans « errors ») : corrigez le programme qui l'envoie."
}

// duplicateMessage says that a field is given twice in one object.
func duplicateMessage(name string) string {
	return fmt.Sprintf("champ « %s » en double : donnez-le une seule fois", name)
}
