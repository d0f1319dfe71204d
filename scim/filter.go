package scim

// Filters (RFC 7644 §3.4.2.2): attribute operators eq, ne, co, sw, ew, gt,
// ge, lt, le and pr; logical and, or, not; grouping with parentheses; value
// paths (emails[type eq "work"]). Attribute names ignore case; string values
// compare ignoring case except those of caseExact attributes.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
	exact := caseExact[f.path[len(f.path)-1]]
	for _, v := range values {
		if compare(v, f.op, f.value, exact) {
			return true
		}
	}
	return f.op == "ne" && len(values) == 0 && f.value != nil
}

// caseExact are the attributes whose strings compare with their case
// (the schemas' caseExact), by their last name, lower case.
var caseExact = map[string]bool{"id": true, "externalid": true, "employeenumber": true, "birthdate": true, "state": true}

func compare(v any, op string, want any, exact bool) bool {
	switch w := want.(type) {
	case nil:
		return (op == "eq") == (v == nil)
	case bool:
		b, ok := v.(bool)
		return ok && ((op == "eq" && b == w) || (op == "ne" && b != w))
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
			s, w = strings.ToLower(s), strings.ToLower(w)
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

func badFilter(format string, args ...any) *extranet.SCIMError {
	return &extranet.SCIMError{Status: 400, ScimType: "invalidFilter", Detail: "filtre invalide : " + fmt.Sprintf(format, args...)}
}

// maxFilterLen bounds a filter: a few conditions fit in far less.
const maxFilterLen = 2048

func lex(s string) ([]token, *extranet.SCIMError) {
	if len(s) > maxFilterLen {
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

// parseFilter parses a filter; prefix, for a value path's inner filter,
// is the attribute the inner paths are relative to.
func parseFilter(s string) (filter, *extranet.SCIMError) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, badFilter("« %s » inattendu", t.text+t.kind)
	}
	return f, nil
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
	path, err := attrPath(t.text)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == "[" {
		p.next()
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
			c, err := p.comparison([]string{strings.ToLower(t.text[1:])})
			if err != nil {
				return nil, err
			}
			vp.then = &c
		}
		return vp, nil
	}
	return p.comparison(path)
}

func (p *parser) comparison(path []string) (comparison, *extranet.SCIMError) {
	op := p.next()
	o := strings.ToLower(op.text)
	if op.kind != "word" || (o != "pr" && !operators[o]) {
		return comparison{}, badFilter("opérateur inconnu après %s : eq, ne, co, sw, ew, gt, ge, lt, le ou pr", strings.Join(path, "."))
	}
	if o == "pr" {
		return comparison{path: path, op: o}, nil
	}
	v := p.next()
	switch {
	case v.kind == "string":
		return comparison{path: path, op: o, value: v.val}, nil
	case v.kind == "word" && (v.text == "true" || v.text == "false"):
		if o != "eq" && o != "ne" {
			return comparison{}, badFilter("%s ne compare pas des booléens : eq ou ne", o)
		}
		return comparison{path: path, op: o, value: v.text == "true"}, nil
	case v.kind == "word" && v.text == "null":
		return comparison{path: path, op: o, value: nil}, nil
	case v.kind == "word":
		if n, err := strconv.ParseFloat(v.text, 64); err == nil {
			return comparison{path: path, op: o, value: n}, nil
		}
	}
	return comparison{}, badFilter("valeur attendue après %s %s : une chaîne entre guillemets, true, false, null ou un nombre", strings.Join(path, "."), o)
}

// attrPath splits "urn:…:User:name.familyName" into lower-case names, the
// schema URN kept as the first name of an extension's attribute.
func attrPath(s string) ([]string, *extranet.SCIMError) {
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
