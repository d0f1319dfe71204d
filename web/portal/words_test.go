package portal

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"passerelle/extranet"
)

// parenPlural is a plural written « (s) », « (e)s »…, never right in French
// text: frtext.Plural or the templates' plural and word say it.
var parenPlural = regexp.MustCompile(`\w\((s|e|es|x)\)`)

// TestTemplatesWithoutParenPlurals walks every template.
func TestTemplatesWithoutParenPlurals(t *testing.T) {
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := parenPlural.FindString(line); m != "" {
				t.Errorf("%s:%d: « %s »: write the plural with plural or word", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// onePlural is « 1 » followed by a word in the plural; the invariable words
// (« 1 accès ») are told apart below.
var (
	onePlural  = regexp.MustCompile(`(?:^|[^\d\p{L},.:/\x{202f}])1 (\p{Ll}[\p{L}-]*)(?: (\p{Ll}[\p{L}-]*))?`)
	invariable = map[string]bool{"accès": true, "avis": true, "fois": true, "mois": true, "cours": true,
		// words ending in s that are no plurals
		"depuis": true, "dans": true, "sous": true, "vers": true, "plus": true, "pas": true, "très": true,
		"après": true, "puis": true, "mais": true, "sans": true, "moins": true, "jamais": true}
)

// TestRenderedPagesSayOneInTheSingular renders the pages with counts of 1
// (one school each, one person created, one night…) and finds no « 1 … s ».
func TestRenderedPagesSayOneInTheSingular(t *testing.T) {
	for _, bad := range []string{"Nuit : 1 comptes créés", "1 accès ouverts", "(1 erreurs)"} {
		if len(pluralsAfterOne(bad)) == 0 {
			t.Fatalf("the check misses %q", bad)
		}
	}
	if got := pluralsAfterOne("1 accès sur 6, 1 compte créé, 21 comptes"); len(got) != 0 {
		t.Fatalf("the check finds %q in right French", got)
	}
	e := newEnv(t)
	e.operator("ana")
	e.transfer(faseA, remy)
	e.transfer(faseB, eve)
	e.night()
	e.transfer(faseA, remy, jean) // one created, one unchanged
	c := e.signInOperator("ana")
	director := e.signIn("remy.milord@ecole.be")
	rec, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{FASE: faseA, Limit: 1})
	pages := map[string]*client{
		"/console/": c, "/console/ecoles": c, "/console/ecoles/4242": c, "/console/transferts": c,
		"/console/transferts/" + rec[0].ID: c, "/console/suspendus": c, "/console/nuits": c, "/console/journal": c,
		"/console/comptes": c, "/console/contenus": c, "/": director, "/direction/4242": director, "/enseignants": director,
	}
	for path, cl := range pages {
		r := cl.get(path)
		if r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
			continue
		}
		text := doc(t, r).One("body").Text()
		if strings.HasPrefix(path, "/console/transferts/") && !strings.Contains(text, "1 créé, 0 modifié") {
			t.Errorf("%s: no count of 1 to check: %s", path, text)
		}
		for _, bad := range pluralsAfterOne(text) {
			t.Errorf("%s: « %s »", path, bad)
		}
	}
}

// pluralsAfterOne finds « 1 » followed by a plural noun, or by an invariable
// noun and a plural adjective (« 1 accès ouverts »).
func pluralsAfterOne(text string) []string {
	var out []string
	for _, m := range onePlural.FindAllStringSubmatch(text, -1) {
		noun, next := m[1], m[2]
		switch {
		case !invariable[noun] && strings.HasSuffix(noun, "s"):
			out = append(out, "1 "+noun)
		case invariable[noun] && strings.HasSuffix(next, "s") && !invariable[next]:
			out = append(out, "1 "+noun+" "+next)
		}
	}
	return out
}
