package scim

// Filters (RFC 7644 §3.4.2.2): attribute operators eq, ne, co, sw, ew, gt,
// ge, lt, le and pr; logical and, or, not; grouping with parentheses; value
// paths (emails[type eq "work"]). Attribute names ignore case; string values
// compare ignoring case except those of caseExact attributes.
//
// A filter on users (parseUserFilter) names the attributes /Schemas
// defines, and the common ones (RFC 7643 §3.1): another is refused. Its
// dateTime attributes compare as points in time, and a multi-valued
// complex attribute compared as a whole is its value (emails co "x" is
// emails.value co "x"). The filter of a PATCH path (parseFilter) names
// the sub-attributes of the attribute it filters, which checkPath checks
// against the schemas (parseWithin).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"passerelle/extranet"
)

// filter is a parsed filter: an expression evaluated on a resource.
type filter interface {
	match(res map[string]any) bool
}

type logical struct {
	op   string // "and", "or"
	l, r filter
}

func (f logical) match(res map[string]any) bool {
	if f.op == "and" {
		return f.l.match(res) && f.r.match(res)
	}
	return f.l.match(res) || f.r.match(res)
}

type negation struct{ f filter }

func (f negation) match(res map[string]any) bool { return !f.f.match(res) }

// comparison is attrPath op value.
type comparison struct {
	path  []string // schema-free attribute path, lower case: ["emails", "value"]
	op    string
	value any // string, float64, bool or nil
	// at is value as a point in time, when the attribute is a dateTime and
	// op is eq, ne, gt, ge, lt or le.
	at *time.Time
}

// valuePath is attr[filter] or attr[filter].sub op value.
type valuePath struct {
	attr  []string
	inner filter
	// then, when not nil, compares a sub-attribute of the matching
	// elements.
	then *comparison
}

func (f valuePath) match(res map[string]any) bool {
	for _, el := range elements(res, f.attr) {
		o, ok := el.(map[string]any)
		if ok && f.inner.match(o) && (f.then == nil || f.then.match(o)) {
			return true
		}
	}
	return false
}

// elements are the values at path, a multi-valued attribute giving each
// of its items.
func elements(res map[string]any, path []string) []any {
	cur := []any{res}
	for _, name := range path {
		var next []any
		for _, c := range cur {
			o, ok := c.(map[string]any)
			if !ok {
				continue
			}
			v, _, ok := lookup(o, name)
			if !ok || v == nil {
				continue
			}
			if list, isList := v.([]any); isList {
				next = append(next, list...)
			} else {
				next = append(next, v)
			}
		}
		cur = next
	}
	return cur
}

func (f comparison) match(res map[string]any) bool {
	values := elements(res, f.path)
	if f.op == "pr" {
		for _, v := range values {
			if s, ok := v.(string); !ok || s != "" {
				return true
			}
		}
		return false
	}
	if f.value == nil && f.at == nil {
		// null is the state of an absent attribute (RFC 7643 §2.5):
		// eq null holds when no value is there, ne null when one is.
		return (len(values) == 0) == (f.op == "eq")
	}
	exact := caseExact[f.path[len(f.path)-1]]
	for _, v := range values {
		if f.test(v, exact) {
			return true
		}
	}
	return f.op == "ne" && len(values) == 0 && f.value != nil
}

// test compares one value of the attribute.
func (f comparison) test(v any, exact bool) bool {
	if f.at != nil {
		return compareTime(v, f.op, *f.at)
	}
	return compare(v, f.op, f.value, exact)
}

// compareTime compares a dateTime value with at, as points in time (RFC
// 7644 §3.4.2.2); a value that is not a dateTime does not match.
func compareTime(v any, op string, at time.Time) bool {
	s, _ := v.(string)
	t, ok := parseDateTime(s)
	return ok && order(op, t.Compare(at))
}

// parseDateTime reads an xsd:dateTime (RFC 7643 §2.3.5): RFC 3339, with
// or without a fraction of a second. Without an offset, which xsd:dateTime
// allows, it is taken as UTC, the offset of every instant this provider
// writes.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.ToUpper(s)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	}
	return t, err == nil
}

// caseExact are the attributes whose strings compare with their case
// (the schemas' caseExact), by their last name, lower case.
var caseExact = map[string]bool{"id": true, "externalid": true, "employeenumber": true, "birthdate": true, "state": true,
	"resourcetype": true, "version": true, "location": true} // meta's (RFC 7643 §3.1, §2.3.7)

func compare(v any, op string, want any, exact bool) bool {
	if b, isBool := v.(bool); isBool {
		// A boolean attribute, against true and false or Microsoft
		// Entra's "True" and "False": primary eq "True" selects the
		// primary address. A string attribute compares as a string.
		w, ok := asBool(want)
		return ok && (op == "eq" || op == "ne") && (b == w) == (op == "eq")
	}
	if _, isBool := want.(bool); isBool {
		return false
	}
	switch w := want.(type) {
	case nil:
		return (op == "eq") == (v == nil)
	case float64:
		n, ok := number(v)
		if !ok {
			return false
		}
		return order(op, cmpFloat(n, w))
	case string:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if !exact {
			// Case ignored, and the spelling of accented letters
			// (NFC): « é » composed or decomposed is one letter.
			s, w = strings.ToLower(norm.NFC.String(s)), strings.ToLower(norm.NFC.String(w))
		}
		switch op {
		case "co":
			return strings.Contains(s, w)
		case "sw":
			return strings.HasPrefix(s, w)
		case "ew":
			return strings.HasSuffix(s, w)
		}
		return order(op, strings.Compare(s, w))
	}
	return false
}

// asBool reads a boolean, or the strings "true" and "false" in any case,
// as boolean does.
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x = strings.TrimSpace(x); {
		case strings.EqualFold(x, "true"):
			return true, true
		case strings.EqualFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func order(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// --- parsing ---

type token struct {
	kind string // "word", "string", "(", ")", "[", "]", "eof"
	text string
	val  any
}

// filterPrefix starts the detail of every bad filter.
const filterPrefix = "filtre invalide : "

func badFilter(format string, args ...any) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidFilter", Detail: filterPrefix + fmt.Sprintf(format, args...)}
}

// filterReason is what a bad filter's detail says is wrong, without
// filterPrefix: the reason a PATCH path's filter gives (badPath).
func filterReason(e *extranet.SCIMError) string {
	return strings.TrimPrefix(e.Detail, filterPrefix)
}

// maxFilterLen bounds a filter: a few conditions fit in far less.
const maxFilterLen = 2048

func lex(s string) ([]token, *extranet.SCIMError) {
	if utf8.RuneCountInString(s) > maxFilterLen {
		return nil, badFilter("au plus %d caractères", maxFilterLen)
	}
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("()[]", c) >= 0:
			out = append(out, token{kind: string(c)})
			i++
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, badFilter("guillemet fermant manquant")
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return nil, badFilter("chaîne %s illisible", s[i:j+1])
			}
			out = append(out, token{kind: "string", val: v})
			i = j + 1
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\r\n()[]\"", s[j]) < 0 {
				j++
			}
			out = append(out, token{kind: "word", text: s[i:j]})
			i = j
		}
	}
	return append(out, token{kind: "eof"}), nil
}

type parser struct {
	toks  []token
	pos   int
	depth int
	// attrs are the attributes a path may name: a User's, or inside
	// brackets the sub-attributes of the attribute filtered, parent; nil
	// when names are not checked.
	attrs  []attrDef
	parent string
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != "eof" {
		p.pos++
	}
	return t
}

func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t.kind == "word" && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

// parseFilter parses a filter whose attribute names are not checked: that
// of a PATCH value path, relative to the attribute it filters.
func parseFilter(s string) (filter, *extranet.SCIMError) {
	return parse(s, nil)
}

// parseUserFilter parses a filter on users: its attributes are a User's
// (userAttrs), its dateTime values points in time.
func parseUserFilter(s string) (filter, *extranet.SCIMError) {
	return parse(s, userAttrs)
}

func parse(s string, attrs []attrDef) (filter, *extranet.SCIMError) {
	return parseWithin(s, attrs, "")
}

// parseWithin parses a filter whose attributes are attrs, the
// sub-attributes of parent ("" for a User's): that of a PATCH value path.
func parseWithin(s string, attrs []attrDef, parent string) (filter, *extranet.SCIMError) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, attrs: attrs, parent: parent}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, badFilter("%s inattendu après une condition complète : reliez les conditions par and ou or", t.written())
	}
	return f, nil
}

// written is a token as the client wrote it, for a message.
func (t token) written() string {
	switch t.kind {
	case "word":
		return "« " + t.text + " »"
	case "string":
		b, _ := json.Marshal(t.val)
		return "la chaîne " + string(b)
	}
	return "« " + t.kind + " »"
}

func (p *parser) or() (filter, *extranet.SCIMError) {
	l, err := p.and()
	for err == nil && p.keyword("or") {
		var r filter
		if r, err = p.and(); err == nil {
			l = logical{"or", l, r}
		}
	}
	return l, err
}

func (p *parser) and() (filter, *extranet.SCIMError) {
	l, err := p.unary()
	for err == nil && p.keyword("and") {
		var r filter
		if r, err = p.unary(); err == nil {
			l = logical{"and", l, r}
		}
	}
	return l, err
}

func (p *parser) unary() (filter, *extranet.SCIMError) {
	if p.depth++; p.depth > 32 {
		return nil, badFilter("trop de niveaux de parenthèses")
	}
	defer func() { p.depth-- }()
	if p.keyword("not") {
		if p.next().kind != "(" {
			return nil, badFilter("« not » est suivi d'une parenthèse")
		}
		f, err := p.group()
		return negation{f}, err
	}
	if p.peek().kind == "(" {
		p.next()
		return p.group()
	}
	return p.attrExpr()
}

func (p *parser) group() (filter, *extranet.SCIMError) {
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.next().kind != ")" {
		return nil, badFilter("parenthèse fermante manquante")
	}
	return f, nil
}

var operators = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) attrExpr() (filter, *extranet.SCIMError) {
	t := p.next()
	if t.kind != "word" {
		return nil, badFilter("un attribut est attendu")
	}
	path, err := filterPath(t.text)
	if err != nil {
		return nil, err
	}
	def, err := p.resolve(path, t.text)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == "[" {
		p.next()
		return p.valuePath(path, def, t.text)
	}
	return p.comparison(path, def, t.text)
}

// valuePath parses what follows attr[: the filter of its values, "]",
// and an optional .sub comparison. Inside, names are def's sub-attributes.
func (p *parser) valuePath(path []string, def *attrDef, written string) (filter, *extranet.SCIMError) {
	if def != nil && def.typ != "complex" {
		return nil, badFilter("« %s » n'a pas de sous-attributs : les crochets filtrent les valeurs d'un attribut complexe, comme emails[type eq \"work\"]", written)
	}
	outer, parent := p.attrs, p.parent
	if def != nil {
		p.attrs, p.parent = def.sub, def.name
	}
	defer func() { p.attrs, p.parent = outer, parent }()
	inner, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.next().kind != "]" {
		return nil, badFilter("crochet fermant manquant")
	}
	vp := valuePath{attr: path, inner: inner}
	if t := p.peek(); t.kind == "word" && strings.HasPrefix(t.text, ".") {
		p.next()
		sub := []string{strings.ToLower(t.text[1:])}
		subDef, err := p.resolve(sub, t.text[1:])
		if err != nil {
			return nil, err
		}
		c, err := p.comparison(sub, subDef, t.text[1:])
		if err != nil {
			return nil, err
		}
		vp.then = &c
	}
	return vp, nil
}

// comparison parses "op value" (or "pr") after the attribute path, def
// its definition when names are checked.
func (p *parser) comparison(path []string, def *attrDef, written string) (comparison, *extranet.SCIMError) {
	op := p.next()
	o := strings.ToLower(op.text)
	if op.kind != "word" || (o != "pr" && !operators[o]) {
		return comparison{}, badFilter("opérateur inconnu après %s : eq, ne, co, sw, ew, gt, ge, lt, le ou pr", written)
	}
	if o == "pr" {
		return comparison{path: path, op: o}, nil
	}
	if def != nil && def.typ == "complex" {
		var err *extranet.SCIMError
		if path, def, err = asValue(path, def, written); err != nil {
			return comparison{}, err
		}
	}
	if def != nil && def.typ == "boolean" && o != "eq" && o != "ne" {
		return comparison{}, badFilter("%s est un booléen : comparez-le avec eq ou ne", written)
	}
	v, err := p.value(written, o)
	if err != nil {
		return comparison{}, err
	}
	if v == nil && o != "eq" && o != "ne" {
		// RFC 7644 §3.4.2.2: null is equal to an absent value, and
		// orders nothing.
		return comparison{}, badFilter("null se compare avec eq ou ne (ou utilisez pr) : %s %s null n'a pas de sens", written, o)
	}
	c := comparison{path: path, op: o, value: v}
	if def != nil && def.typ == "dateTime" && v != nil && o != "co" && o != "sw" && o != "ew" {
		s, _ := v.(string)
		at, ok := parseDateTime(s)
		if !ok {
			return comparison{}, badDateTime(written, o)
		}
		c.at = &at
	}
	return c, nil
}

// value parses a comparison's value.
func (p *parser) value(written, op string) (any, *extranet.SCIMError) {
	v := p.next()
	switch {
	case v.kind == "string":
		return v.val, nil
	case v.kind == "word" && (v.text == "true" || v.text == "false"):
		if op != "eq" && op != "ne" {
			return nil, badFilter("%s ne compare pas des booléens : eq ou ne", op)
		}
		return v.text == "true", nil
	case v.kind == "word" && v.text == "null":
		return nil, nil
	case v.kind == "word":
		if n, err := strconv.ParseFloat(v.text, 64); err == nil {
			return n, nil
		}
	}
	return nil, badFilter("valeur attendue après %s %s : une chaîne entre guillemets, true, false, null ou un nombre", written, op)
}

// badDateTime refuses a value that is not a dateTime compared with a
// dateTime attribute: the filter reads well, its value does not fit the
// attribute's type (RFC 7644 §3.12: invalidValue).
func badDateTime(written, op string) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidValue", Detail: fmt.Sprintf(
		"filtre invalide : %s %s attend une date et heure entre guillemets (xsd:dateTime, RFC 3339), par exemple \"2026-12-07T00:06:35Z\" ou \"2026-12-07T01:06:35+01:00\", ou sans fuseau, lue en temps universel : \"2026-12-07T00:06:35\"",
		written, op)}
}

// --- attributes ---

// attrDef is what a filter knows of an attribute (RFC 7643 §7).
type attrDef struct {
	name  string // as /Schemas writes it
	typ   string // string, boolean, dateTime, reference or complex
	multi bool
	sub   []attrDef
}

// userAttrs are the attributes a filter on users may name: id, meta and
// schemas (RFC 7643 §3.1, §3), those /Schemas describes (externalId among
// them), and each extension as a complex attribute named by its URN.
var userAttrs = userDefs()

func userDefs() []attrDef {
	defs := []attrDef{{name: "id", typ: "string"}}
	var exts []attrDef
	for _, s := range schemaDefs {
		attrs := defsOf(s["attributes"].([]any))
		if s["id"] == coreUser {
			defs = append(defs, attrs...)
		} else {
			exts = append(exts, attrDef{name: s["id"].(string), typ: "complex", sub: attrs})
		}
	}
	meta := attrDef{name: "meta", typ: "complex", sub: []attrDef{
		{name: "resourceType", typ: "string"}, {name: "created", typ: "dateTime"}, {name: "lastModified", typ: "dateTime"},
		{name: "location", typ: "reference"}, {name: "version", typ: "string"},
	}}
	defs = append(defs, meta, attrDef{name: "schemas", typ: "reference", multi: true})
	return append(defs, exts...)
}

// defsOf reads attribute definitions as /Schemas gives them.
func defsOf(list []any) []attrDef {
	var out []attrDef
	for _, a := range list {
		m := a.(map[string]any)
		d := attrDef{name: m["name"].(string), typ: m["type"].(string), multi: m["multiValued"] == true}
		if sub, ok := m["subAttributes"].([]any); ok {
			d.sub = defsOf(sub)
		}
		out = append(out, d)
	}
	return out
}

func findAttr(defs []attrDef, name string) *attrDef {
	for i := range defs {
		if strings.EqualFold(defs[i].name, name) {
			return &defs[i]
		}
	}
	return nil
}

// resolve finds path's definition among p.attrs: nil when names are not
// checked; an attribute no schema defines is a bad filter.
func (p *parser) resolve(path []string, written string) (*attrDef, *extranet.SCIMError) {
	if p.attrs == nil {
		return nil, nil
	}
	defs, parent := p.attrs, p.parent
	var d *attrDef
	for _, name := range path {
		if d = findAttr(defs, name); d == nil {
			return nil, unknownAttr(written, parent, defs)
		}
		defs, parent = d.sub, d.name
	}
	return d, nil
}

func unknownAttr(written, parent string, defs []attrDef) *extranet.SCIMError {
	if len(defs) == 0 {
		return badFilter("attribut « %s » inconnu : %s n'a pas de sous-attributs", written, parent)
	}
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	if parent == "" {
		return badFilter("attribut « %s » inconnu : un User a %s (voir /Schemas)", written, strings.Join(names, ", "))
	}
	return badFilter("attribut « %s » inconnu : %s a %s", written, parent, strings.Join(names, ", "))
}

// asValue is a complex attribute compared as a whole: the value of a
// multi-valued one (RFC 7644 §3.4.2.2: emails co "example.com");
// another is a bad filter.
func asValue(path []string, def *attrDef, written string) ([]string, *attrDef, *extranet.SCIMError) {
	if v := findAttr(def.sub, "value"); def.multi && v != nil {
		return append(slices.Clip(path), "value"), v, nil
	}
	sep := "."
	if strings.HasPrefix(def.name, "urn:") {
		sep = ":"
	}
	subs := make([]string, len(def.sub))
	for i, d := range def.sub {
		subs[i] = written + sep + d.name
	}
	return nil, nil, badFilter("« %s » est un attribut complexe : comparez l'un de ses sous-attributs, %s", written, strings.Join(subs, ", "))
}

// filterPath is attrPath in a filter, where a bare extension URN names
// the extension and an unreadable name is a bad filter (RFC 7644 §3.12).
func filterPath(s string) ([]string, *extranet.SCIMError) {
	if p, ok := extensionPath(s); ok {
		return p, nil
	}
	if unknownExtension(s) {
		return nil, badFilter("%s", unknownSchema(s))
	}
	p, err := attrPath(s)
	if err != nil {
		return nil, badFilter("attribut « %s » illisible : écrivez des noms séparés par un point, comme name.familyName, ceux d'une extension précédés de son URN et de « : »", s)
	}
	return p, nil
}

// extensionPath is the path of a whole extension, named by its URN.
func extensionPath(s string) ([]string, bool) {
	for _, urn := range extensions {
		if urn != coreUser && strings.EqualFold(s, urn) {
			return []string{strings.ToLower(urn)}, true
		}
	}
	return nil, false
}

// attrPath splits "urn:…:User:name.familyName" into lower-case names, the
// schema URN kept as the first name of an extension's attribute.
func attrPath(s string) ([]string, *extranet.SCIMError) {
	if unknownExtension(s) {
		return nil, &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: unknownSchema(s)}
	}
	var out []string
	for _, urn := range extensions {
		if len(s) > len(urn) && strings.EqualFold(s[:len(urn)+1], urn+":") {
			if urn != coreUser {
				out = append(out, strings.ToLower(urn))
			}
			s = s[len(urn)+1:]
			break
		}
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || !validName(part) {
			return nil, &extranet.SCIMError{Status: 400, ScimType: "invalidPath", Detail: fmt.Sprintf("attribut « %s » illisible", s)}
		}
		out = append(out, strings.ToLower(part))
	}
	return out, nil
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// unknownSchema says that the attribute s names a schema this service
// provider does not know.
func unknownSchema(s string) string {
	return fmt.Sprintf("schéma inconnu dans « %s » : les attributs d'un User sont ceux de %s, %s et %s (voir /Schemas)",
		s, coreUser, enterpriseUser, extranetUser)
}

// unknownExtension reports whether path names a schema by a URN that is
// none of a User's.
func unknownExtension(path string) bool {
	if len(path) < 4 || !strings.EqualFold(path[:4], "urn:") {
		return false
	}
	for _, urn := range extensions {
		if len(path) >= len(urn) && strings.EqualFold(path[:len(urn)], urn) &&
			(len(path) == len(urn) || path[len(urn)] == ':') {
			return false
		}
	}
	return true
}
