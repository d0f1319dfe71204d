package htmlcheck

import (
	"reflect"
	"runtime"
	"testing"
)

const page = `<!doctype html><title>Liste</title>
<h1>Membres du  personnel</h1>
<p class="flash flash-ok" role="status">Import&nbsp;réussi : <b>3</b> lignes</p>
<!-- <p class="flash">commentaire</p> -->
<form method="post" action="/envoyer"><input type="hidden" name="csrf" value="a&amp;b"><button>Envoyer</button></form>
<form method="post" action="/autre"></form>
<table id="liste"><thead><tr><th>Nom</th><th>Prénom</th></tr></thead>
<tbody><tr><td><a href="/fiche/1">Dupont</a></td><td>Jean</td></tr>
<tr><td>Martin</td><td>Luc<br>Paul</td></tr></tbody></table>
<script>var x = "Dupont";</script>`

func TestFind(t *testing.T) {
	p := Parse(t, page)
	if got := p.One("h1").Text(); got != "Membres du personnel" {
		t.Errorf("heading %q", got)
	}
	if got := p.One(".flash").Text(); got != "Import\u00a0réussi : 3 lignes" {
		t.Errorf("flash %q", got)
	}
	if n := len(p.All(".flash")); n != 1 {
		t.Errorf("%d flash messages, the comment counted", n)
	}
	if got := p.Form("/envoyer").CSRF(); got != "a&b" {
		t.Errorf("csrf %q", got)
	}
	if got := p.Link("Dupont").Attr("href"); got != "/fiche/1" {
		t.Errorf("link %q", got)
	}
	want := [][]string{{"Dupont", "Jean"}, {"Martin", "Luc Paul"}}
	if got := p.Rows("#liste"); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q", got)
	}
	if got := p.Texts("thead th"); !reflect.DeepEqual(got, []string{"Nom", "Prénom"}) {
		t.Errorf("headers %q", got)
	}
	if got := p.WithText("td", "Dupont"); len(got) != 1 || got[0].Tag() != "td" {
		t.Errorf("WithText %v (the script counted?)", got)
	}
	if p.Has("table .flash") || !p.Has("form button") {
		t.Error("Has")
	}
	if _, ok := p.One("form").Lookup("method"); !ok {
		t.Error("Lookup")
	}
}

// TestFailures checks that a missing element fails the test.
func TestFailures(t *testing.T) {
	for name, find := range map[string]func(Elem){
		"One":         func(p Elem) { p.One("h2") },
		"Link":        func(p Elem) { p.Link("Martin") },
		"Form":        func(p Elem) { p.Form("/nulle-part") },
		"CSRF":        func(p Elem) { p.Form("/autre").CSRF() },
		"OneWithText": func(p Elem) { p.OneWithText("td", "Durand") },
		"selector":    func(p Elem) { p.All("td[") },
	} {
		ft := &fakeT{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			find(Parse(ft, page))
		}()
		<-done
		if !ft.failed {
			t.Errorf("%s: the test did not fail", name)
		}
	}
}

// fakeT records a fatal failure instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
