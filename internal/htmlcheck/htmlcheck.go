// Package htmlcheck reads the pages that tests get from the web packages:
// it parses them with golang.org/x/net/html and finds elements by CSS
// selector (github.com/andybalholm/cascadia), so that an assertion names
// the element it expects a text in (a cell of the list's third row, the
// action of a form, the flash message) rather than searching the markup
// for a string that could be anywhere, a comment or an attribute included.
//
// Texts are compared as a reader sees them: entities decoded, runs of
// white space collapsed to one space (no-break spaces stay), trimmed.
//
// It is for tests only; the binary does not link it.
package htmlcheck

import (
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Elem is an element of a parsed page, or the page itself. Its methods that
// look for one element fail the test when there is none.
type Elem struct {
	t testing.TB
	n *html.Node
}

// Parse parses a page. It fails the test when the body is not HTML at all
// (the parser otherwise repairs what browsers repair).
func Parse(t testing.TB, body string) Elem {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("htmlcheck: parse: %v", err)
	}
	return Elem{t: t, n: doc}
}

func (e Elem) compile(sel string) cascadia.Matcher {
	e.t.Helper()
	s, err := cascadia.ParseGroup(sel)
	if err != nil {
		e.t.Fatalf("htmlcheck: selector %q: %v", sel, err)
	}
	return s
}

// All returns the elements under e that match the CSS selector, in
// document order.
func (e Elem) All(sel string) []Elem {
	e.t.Helper()
	var out []Elem
	for _, n := range cascadia.QueryAll(e.n, e.compile(sel)) {
		out = append(out, Elem{t: e.t, n: n})
	}
	return out
}

// Has reports whether an element under e matches sel.
func (e Elem) Has(sel string) bool {
	e.t.Helper()
	return cascadia.Query(e.n, e.compile(sel)) != nil
}

// One returns the first element under e that matches sel, and fails the
// test when there is none.
func (e Elem) One(sel string) Elem {
	e.t.Helper()
	n := cascadia.Query(e.n, e.compile(sel))
	if n == nil {
		e.t.Fatalf("htmlcheck: no %q in %s", sel, e.excerpt())
	}
	return Elem{t: e.t, n: n}
}

// Texts returns the text of each element under e that matches sel.
func (e Elem) Texts(sel string) []string {
	e.t.Helper()
	var out []string
	for _, m := range e.All(sel) {
		out = append(out, m.Text())
	}
	return out
}

// Text returns e's text as displayed: the text of its descendants (but
// not of its scripts and styles), entities decoded, white space collapsed.
func (e Elem) Text() string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "template"):
			return
		case n.Type == html.ElementNode && (n.Data == "br" || n.Data == "p" || n.Data == "li" || n.Data == "td" || n.Data == "th"):
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(e.n)
	return collapse(b.String())
}

// collapse collapses runs of HTML white space (not the no-break spaces of
// French typography) to one space, and trims.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
	}), " ")
}

// Attr returns the value of the attribute name, "" when absent.
func (e Elem) Attr(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Lookup returns the value of the attribute name and whether it is there.
func (e Elem) Lookup(name string) (string, bool) {
	for _, a := range e.n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// Tag returns the element's tag name.
func (e Elem) Tag() string { return e.n.Data }

// WithText returns the elements that match sel and whose text contains
// part.
func (e Elem) WithText(sel, part string) []Elem {
	e.t.Helper()
	var out []Elem
	for _, m := range e.All(sel) {
		if strings.Contains(m.Text(), part) {
			out = append(out, m)
		}
	}
	return out
}

// OneWithText returns the first element that matches sel and whose text
// contains part, and fails the test when there is none.
func (e Elem) OneWithText(sel, part string) Elem {
	e.t.Helper()
	if m := e.WithText(sel, part); len(m) > 0 {
		return m[0]
	}
	e.t.Fatalf("htmlcheck: no %q with text %q among %q", sel, part, e.Texts(sel))
	return Elem{}
}

// Link returns the first link (a[href]) whose text is text, and fails the
// test when there is none.
func (e Elem) Link(text string) Elem {
	e.t.Helper()
	for _, a := range e.All("a[href]") {
		if a.Text() == text {
			return a
		}
	}
	e.t.Fatalf("htmlcheck: no link %q among %q", text, e.Texts("a[href]"))
	return Elem{}
}

// Form returns the form whose action is action, and fails the test when
// there is none.
func (e Elem) Form(action string) Elem {
	e.t.Helper()
	for _, f := range e.All("form") {
		if f.Attr("action") == action {
			return f
		}
	}
	var actions []string
	for _, f := range e.All("form") {
		actions = append(actions, f.Attr("action"))
	}
	e.t.Fatalf("htmlcheck: no form with action %q among %q", action, actions)
	return Elem{}
}

// CSRF returns the value of the hidden csrf field under e (a form, or the
// page's first), and fails the test when there is none or it is empty.
func (e Elem) CSRF() string {
	e.t.Helper()
	v := e.One(`input[type=hidden][name=csrf]`).Attr("value")
	if v == "" {
		e.t.Fatalf("htmlcheck: empty csrf field in %s", e.excerpt())
	}
	return v
}

// Rows returns the text of the cells (th and td) of each row of the
// table's body (tbody tr) that sel selects.
func (e Elem) Rows(sel string) [][]string {
	e.t.Helper()
	var out [][]string
	for _, tr := range e.One(sel).All("tbody > tr") {
		out = append(out, tr.Texts("th, td"))
	}
	return out
}

// HTML returns the markup of e, for failure messages.
func (e Elem) HTML() string {
	var b strings.Builder
	_ = html.Render(&b, e.n)
	return b.String()
}

// excerpt is the start of e's markup, enough to see where a search went.
func (e Elem) excerpt() string {
	s := e.HTML()
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// Parent returns the element that holds e, and fails the test at the top
// of the page.
func (e Elem) Parent() Elem {
	e.t.Helper()
	p := e.n.Parent
	if p == nil || p.Type != html.ElementNode {
		e.t.Fatalf("htmlcheck: %s has no parent element", e.excerpt())
	}
	return Elem{t: e.t, n: p}
}
