package schoolui_test

import (
	"slices"
	"strings"
	"testing"

	"passerelle/internal/htmlcheck"
)

// doc parses a page.
func doc(t testing.TB, body string) htmlcheck.Elem {
	t.Helper()
	return htmlcheck.Parse(t, body)
}

// has reports whether the page shows text (in its text, not its markup).
func has(t testing.TB, body, text string) bool {
	t.Helper()
	return strings.Contains(doc(t, body).One("body").Text(), text)
}

// flashed reports whether a flash message of the page says text.
func flashed(t testing.TB, body, text string) bool {
	t.Helper()
	return len(doc(t, body).WithText(".flash", text)) > 0
}

// wantIn checks that the elements sel selects show every piece in their
// text; it fails when sel selects nothing.
func wantIn(t testing.TB, body, sel string, pieces ...string) {
	t.Helper()
	texts := doc(t, body).Texts(sel)
	if len(texts) == 0 {
		t.Errorf("the page has no %q", sel)
		return
	}
	all := strings.Join(texts, "\n")
	for _, p := range pieces {
		if !strings.Contains(all, p) {
			t.Errorf("%q lacks %q; it holds %q", sel, p, texts)
		}
	}
}

// fieldErr returns the error message next to the field of the id, or "".
func fieldErr(t testing.TB, body, id string) string {
	t.Helper()
	if errs := doc(t, body).All("#" + id + "-err"); len(errs) > 0 {
		return errs[0].Text()
	}
	return ""
}

// field returns the form control of the id.
func field(t testing.TB, body, id string) htmlcheck.Elem {
	t.Helper()
	return doc(t, body).One("#" + id)
}

// invalid reports whether a control is marked invalid and described by
// its error message.
func invalid(f htmlcheck.Elem) bool {
	return f.Attr("aria-invalid") == "true" && slices.Contains(strings.Fields(f.Attr("aria-describedby")), f.Attr("id")+"-err")
}

// checked reports whether a box or radio button is ticked.
func checked(f htmlcheck.Elem) bool {
	_, ok := f.Lookup("checked")
	return ok
}

// hrefs returns the targets of the links under sel.
func hrefs(t testing.TB, body, sel string) []string {
	t.Helper()
	var out []string
	for _, a := range doc(t, body).All(sel + " a[href]") {
		out = append(out, a.Attr("href"))
	}
	return out
}

// hasForm reports whether the page has a form posting to action, with its
// CSRF field.
func hasForm(t testing.TB, body, action string) bool {
	t.Helper()
	for _, f := range doc(t, body).All(`form[method=post]`) {
		if f.Attr("action") == action && f.Has(`input[type=hidden][name=csrf]`) {
			return true
		}
	}
	return false
}

// typed reports whether a control of the page holds value, as typed back.
func typed(t testing.TB, body, value string) bool {
	t.Helper()
	for _, in := range doc(t, body).All("input") {
		if in.Attr("value") == value {
			return true
		}
	}
	return false
}
