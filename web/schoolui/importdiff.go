package schoolui

import (
	"strings"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
)

// rowChanges words what an import changes on a stored row, before →
// after, one item a field ("e-mail : a → b"), in the fiche's order. The
// national number stays on the school side, as everywhere, but is not
// repeated in full: the preview says it changes.
func rowChanges(before, after school.Row) []string {
	var out []string
	text := func(label, a, b string) {
		if strings.TrimSpace(a) != strings.TrimSpace(b) {
			out = append(out, label+" : "+orDash(a)+" → "+orDash(b))
		}
	}
	flag := func(label string, a, b bool) {
		if a != b {
			out = append(out, label+" : "+frtext.FormatBool(a)+" → "+frtext.FormatBool(b))
		}
	}
	m, n := before.Member, after.Member
	s, t := before.Situation, after.Situation
	text("nom", m.LastName, n.LastName)
	text("prénom", m.FirstName, n.FirstName)
	text("date de naissance", frtext.FormatDate(m.BirthDate), frtext.FormatDate(n.BirthDate))
	if m.NISS != n.NISS {
		out = append(out, "numéro national modifié")
	}
	text("matricule", m.Matricule, n.Matricule)
	text("e-mail", m.SchoolEmail, n.SchoolEmail)
	text("rôle", string(s.Role), string(t.Role))
	flag("présent", s.Present, t.Present)
	flag("actif", s.Active, t.Active)
	text("date de début", frtext.FormatDate(s.Start), frtext.FormatDate(t.Start))
	text("date de fin", frtext.FormatDate(s.End), frtext.FormatDate(t.End))
	text("fonction", s.Function, t.Function)
	flag("fonction de promotion", s.Promotion, t.Promotion)
	text("situation", s.Status, t.Status)
	text("charge", fwb.FormatCharge(s.Charge), fwb.FormatCharge(t.Charge))
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
