package schoolui

import (
	"fmt"
	"net/http"

	"passerelle/frtext"
	"passerelle/school"
)

// findingView is a finding with the link to the fiche field that fixes it.
type findingView struct {
	Name, Message, Link string
}

func newFindingView(f school.Finding) findingView {
	link := fmt.Sprintf("/situations/%d", f.SituationID)
	if f.Field != "" {
		link += "#f-" + f.Field
	}
	return findingView{Name: f.Name, Message: frtext.Sentence(f.Message), Link: link}
}

type severityGroup struct {
	Label    string // Bloquant, Avertissement, Information
	Class    string // msg-erreur, msg-avertissement, msg-information
	Intro    string
	Findings []findingView
}

type checkView struct {
	base
	Groups []severityGroup
	Total  int
}

// check is « Vérifier »: the findings of the checks, grouped by severity,
// each linking to the fiche that fixes it.
func (s *server) check(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.store.Rows(r.Context(), s.fase)
	if err != nil {
		return err
	}
	findings := school.Check(rows, s.now(), s.tables)
	view := checkView{base: s.base(r), Total: len(findings), Groups: []severityGroup{
		{Label: school.Bloquant.Label(), Class: "msg-erreur",
			Intro: "Ces membres du personnel ne seront pas transférés tant que leur fiche n'est pas corrigée."},
		{Label: school.Avertissement.Label(), Class: "msg-avertissement",
			Intro: "Ces fiches seront transférées telles quelles, mais méritent d'être vérifiées."},
		{Label: school.Information.Label(), Class: "msg-information",
			Intro: "Ce que le transfert fera de lui-même."},
	}}
	for _, f := range findings {
		i := int(f.Severity)
		if i < 0 || i >= len(view.Groups) {
			i = len(view.Groups) - 1
		}
		view.Groups[i].Findings = append(view.Groups[i].Findings, newFindingView(f))
	}
	return s.render(w, r, http.StatusOK, "check", "Vérifier", view)
}
