package schoolui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/fwb"
)

// ficheForm returns the form of a stored row as the fiche sends it.
func ficheForm(e *env, last string) url.Values {
	r := e.rows[last]
	m, s := r.Member, r.Situation
	f := url.Values{
		"nom": {m.LastName}, "prenom": {m.FirstName}, "naissance": {m.BirthDate.Format("02/01/2006")},
		"niss": {m.NISS}, "matricule": {m.Matricule}, "email": {m.SchoolEmail}, "role": {string(s.Role)},
		"debut": {s.Start.Format("02/01/2006")}, "fin": {""}, "fonction": {s.Function}, "situation": {s.Status},
		"charge": {fwb.FormatCharge(s.Charge)},
	}
	if s.Present {
		f.Set("present", "oui")
	}
	if s.Active {
		f.Set("actif", "oui")
	}
	if s.Promotion {
		f.Set("promotion", "oui")
	}
	return f
}

func TestFicheShows(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	id := itoa(e.rows["Gensen"].Situation.ID)
	page := c.get("/situations/" + id)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	fiche := doc(t, page.body)
	if got := fiche.One("h1").Text(); got != "Fiche de situation école" {
		t.Errorf("heading %q", got)
	}
	if !has(t, page.body, "Talia Gensen") {
		t.Error("the fiche does not name Talia Gensen")
	}
	form := fiche.Form("/situations/" + id)
	if email := form.One("input#f-SchoolEmail"); email.Attr("type") != "email" || email.Attr("name") != "email" || email.Attr("value") != "" {
		t.Errorf("e-mail: %s", email.HTML())
	}
	for name, want := range map[string]string{"fonction": "IM (Instituteur maternel)", "role": "Enseignant"} {
		if got := form.One("select[name=" + name + "] option[selected]").Text(); got != want {
			t.Errorf("%s: %q selected, want %q", name, got, want)
		}
	}
	if got := form.One("select[name=fonction] option[selected]").Attr("data-role"); got != "Enseignant" {
		t.Errorf("IM's usual role %q", got)
	}
	if got := form.One("input#f-Start").Attr("value"); got != "01/09/2015" {
		t.Errorf("start %q", got)
	}
	if !checked(form.One("input#f-Active[name=actif][value=oui]")) {
		t.Error("Actif is not ticked")
	}
	if got := form.All("select option[value=D][selected]"); len(got) != 1 || !strings.HasPrefix(got[0].Text(), "D (") {
		t.Errorf("situation D not selected")
	}
	// The finding sits on the fiche, next to the field that fixes it.
	finding := form.One("input#f-SchoolEmail").Parent().One("span.field-finding.finding-bloquant")
	if !strings.HasPrefix(finding.Text(), "Bloquant : adresse e-mail école manquante") {
		t.Errorf("finding %q", finding.Text())
	}
	if res := c.get("/situations/999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing fiche: status %d", res.StatusCode)
	}
	if res := c.get("/situations/abc"); res.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: status %d", res.StatusCode)
	}
}

func TestFicheSave(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	row := e.rows["Gensen"]
	path := "/situations/" + itoa(row.Situation.ID)
	f := ficheForm(e, "Gensen")
	f.Set("email", " Talia.Gensen@Ecole.be ")
	f.Set("role", "")
	f.Set("fin", "30/06/2027")
	f.Set("charge", "IM 13/26, CN -13/26")
	f.Del("present")
	res := c.post(path, f)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("save: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	page := c.follow(res)
	if !flashed(t, page.body, "Fiche enregistrée.") {
		t.Error("no « Fiche enregistrée. »")
	}
	got, err := e.st.Row(context.Background(), fase, row.Situation.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Situation
	if got.Member.SchoolEmail != "talia.gensen@ecole.be" || s.Role != fwb.RoleNone || s.Present || !s.Active ||
		s.End != day(2027, 6, 30) || fwb.FormatCharge(s.Charge) != "IM 13/26, CN -13/26" {
		t.Errorf("saved %+v / %+v", got.Member, s)
	}
	// The blocking finding is gone from the list.
	if doc(t, c.get("/").body).Has("#liste tr.flagged-bloquant") {
		t.Error("the list still flags a blocking point")
	}
}

func TestFicheErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	row := e.rows["Zimmer"]
	path := "/situations/" + itoa(row.Situation.ID)
	for _, test := range []struct {
		name  string
		set   map[string]string
		field string
		want  string
	}{
		{"e-mail", map[string]string{"email": "anne.zimmer@ecole"}, "f-SchoolEmail", "Adresse e-mail « anne.zimmer@ecole » invalide"},
		{"date", map[string]string{"debut": "31/02/2020"}, "f-Start", "La date 31/02/2020 n'existe pas : vérifiez le jour et le mois."},
		{"end before start", map[string]string{"fin": "01/01/2010"}, "f-End", "La date de fin (01/01/2010) précède la date de début (01/09/2015)"},
		{"role", map[string]string{"role": "Concierge"}, "f-Role", "Rôle extranet inconnu « Concierge »"},
		{"function", map[string]string{"fonction": "XX", "charge": ""}, "f-Function", "Fonction « XX » inconnue"},
		{"charge", map[string]string{"charge": "IP 24,5/24"}, "f-Charge", "Charge « IP 24,5/24 »"},
		{"name", map[string]string{"nom": ""}, "f-LastName", "Nom de famille manquant"},
		{"name the extranet would refuse", map[string]string{"nom": "Zim\u202emer"}, "f-LastName", "Nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le"},
		{"first name without a letter", map[string]string{"prenom": "---"}, "f-FirstName", "Prénom sans lettre : écrivez-le en lettres"},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := ficheForm(e, "Zimmer")
			f.Set("email", "nouvelle.adresse@ecole.be") // a valid change that must not be saved either
			for k, v := range test.set {
				f.Set(k, v)
			}
			res := c.post(path, f)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			// The message is right after its field, which points to it.
			input := field(t, res.body, test.field)
			msg := input.Parent().One("span.field-error#" + test.field + "-err")
			if !strings.Contains(msg.Text(), test.want) {
				t.Fatalf("error %q after field %s, want %q", msg.Text(), test.field, test.want)
			}
			if input.Attr("aria-invalid") != "true" {
				t.Error("the field is not marked aria-invalid")
			}
			if !flashed(t, res.body, "La fiche n'a pas été enregistrée.") {
				t.Error("no summary")
			}
			// What was typed comes back as typed.
			if v, ok := test.set["email"]; ok && field(t, res.body, "f-SchoolEmail").Attr("value") != v {
				t.Error("the wrong e-mail is not shown back")
			}
			got, err := e.st.Row(context.Background(), fase, row.Situation.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Member.SchoolEmail != row.Member.SchoolEmail || got.Member.LastName != "Zimmer" {
				t.Errorf("something was saved: %+v", got.Member)
			}
		})
	}
}
