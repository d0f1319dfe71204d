package schoolui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/web"
)

// Messages of the fiche pages.
const (
	msgFicheSaved      = "Fiche enregistrée."
	msgSituationAdded  = "Situation ajoutée."
	msgSituationDelete = "Situation supprimée."
)

// ficheForm is the fiche as typed: strings, so that a wrong value comes back
// in its field as the person wrote it.
type ficheForm struct {
	LastName, FirstName, BirthDate, NISS, Matricule string
	SchoolEmail, Role, Start, End, Function, Status string
	Charge                                          string
	Present, Active, Promotion                      bool
}

func formFromRow(r school.Row) ficheForm {
	m, s := r.Member, r.Situation
	return ficheForm{
		LastName: m.LastName, FirstName: m.FirstName, BirthDate: frtext.FormatDate(m.BirthDate),
		NISS: m.NISS, Matricule: m.Matricule, SchoolEmail: m.SchoolEmail,
		Role: string(s.Role), Start: frtext.FormatDate(s.Start), End: frtext.FormatDate(s.End),
		Function: s.Function, Status: s.Status, Charge: fwb.FormatCharge(s.Charge),
		Present: s.Present, Active: s.Active, Promotion: s.Promotion,
	}
}

func formFromRequest(r *http.Request) ficheForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	on := func(k string) bool { return r.PostFormValue(k) != "" }
	return ficheForm{
		LastName: v("nom"), FirstName: v("prenom"), BirthDate: v("naissance"),
		NISS: v("niss"), Matricule: v("matricule"), SchoolEmail: v("email"),
		Role: v("role"), Start: v("debut"), End: v("fin"),
		Function: v("fonction"), Status: v("situation"), Charge: v("charge"),
		Present: on("present"), Active: on("actif"), Promotion: on("promotion"),
	}
}

// apply writes the form onto the stored row and returns the errors of the
// values that cannot even be read (dates, role, charge). The rest is left to
// school.ValidateRow.
func (f ficheForm) apply(row school.Row, t *fwb.Tables) (school.Row, school.FieldErrors) {
	fe := school.FieldErrors{}
	m, s := &row.Member, &row.Situation
	m.LastName, m.FirstName = f.LastName, f.FirstName
	m.NISS, m.Matricule, m.SchoolEmail = f.NISS, f.Matricule, f.SchoolEmail
	s.Function, s.Status = f.Function, f.Status
	s.Present, s.Active, s.Promotion = f.Present, f.Active, f.Promotion
	// A date that cannot be read leaves the stored one; the error
	// blocks the save anyway.
	date := func(field, v string, dst *time.Time) {
		if v == "" {
			*dst = time.Time{}
			return
		}
		d, err := frtext.ParseDate(v)
		if err != nil {
			fe[field] = err.Error()
			return
		}
		*dst = d
	}
	date(school.FieldBirthDate, f.BirthDate, &m.BirthDate)
	date(school.FieldStart, f.Start, &s.Start)
	date(school.FieldEnd, f.End, &s.End)
	if role, err := fwb.ParseRole(f.Role); err != nil {
		fe[school.FieldRole] = err.Error()
	} else {
		s.Role = role
	}
	if lines, err := fwb.ParseCharge(f.Charge, f.Function, t); err != nil {
		fe[school.FieldCharge] = err.Error()
	} else {
		s.Charge = lines
	}
	return row, fe
}

type ficheView struct {
	base
	ID int64 // 0 for a new situation
	// Action is where the form goes; From, for a new situation of a
	// known member, the situation whose member it is.
	Action    string
	From      int64
	Name      string
	Fieldsets []fieldset
	Errors    []fieldError // the summary at the top, in the fiche's order
	Findings  []school.Finding
	Nav       ficheNav
	// Proposal is the role the new function calls for, shown before
	// saving.
	Proposal *proposal
}

type fieldError struct {
	ID, Label, Message string
}

type fieldset struct {
	Legend string
	Fields []fieldView
}

type option struct {
	Value, Label string
	Selected     bool
	// Role and Promotion are, for a function, the role and the promotion
	// box it usually goes with: the page's script proposes them when the
	// function changes.
	Role      string
	Promotion bool
}

// fieldView is one field of the fiche. Its id is "f-" and the school field
// name, so that the checks' links (#f-SchoolEmail) land on it.
type fieldView struct {
	Name     string
	Field    string
	Label    string
	Type     string // text, email, date, checkbox, select
	Value    string
	Checked  bool
	Options  []option
	Hint     string
	Error    string
	Findings []school.Finding
	Auto     string // autocomplete
}

// ID is the input's id.
func (f fieldView) ID() string { return "f-" + f.Field }

// Described is the input's aria-describedby: its hint and its error.
func (f fieldView) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID()+"-err")
	}
	return strings.Join(ids, " ")
}

// severityClass styles a finding as the transfer messages are.
func severityClass(s school.Severity) string {
	switch s {
	case school.Bloquant:
		return "msg-erreur"
	case school.Avertissement:
		return "msg-avertissement"
	}
	return "msg-information"
}

func (s *server) showFiche(w http.ResponseWriter, r *http.Request) error {
	row, err := s.row(r)
	if err != nil {
		return err
	}
	return s.renderFiche(w, r, http.StatusOK, row, formFromRow(row), nil)
}

func (s *server) saveFiche(w http.ResponseWriter, r *http.Request) error {
	stored, err := s.row(r)
	if err != nil {
		return err
	}
	form, row, fe := s.readFiche(r, stored)
	if len(fe) > 0 {
		return s.renderFiche(w, r, http.StatusUnprocessableEntity, stored, form, fe)
	}
	if p := s.proposeRole(r, stored, row); p != nil {
		return s.renderFicheProposal(w, r, stored, p.apply(form), p)
	}
	if _, err := s.store.SaveRows(r.Context(), s.fase, []school.Row{row}); err != nil {
		return err
	}
	s.log.Info("fiche saved", "situation", row.Situation.ID, "by", userFrom(r.Context()).Login)
	web.AddFlash(w, r, web.FlashSuccess, msgFicheSaved)
	q := parseListQuery(r.URL.Query())
	return seeOther(w, r, fmt.Sprintf("/situations/%d", row.Situation.ID)+q.suffix())
}

// readFiche reads the fiche's form onto base: the form as typed, the row it
// gives, tidied, and every field's problem (what cannot be read first,
// then school.ValidateRow's).
func (s *server) readFiche(r *http.Request, base school.Row) (ficheForm, school.Row, school.FieldErrors) {
	form := formFromRequest(r)
	row, fe := form.apply(base, s.tables)
	row = school.NormalizeRow(row, s.tables)
	fe.Add(school.ValidateRow(row, s.tables))
	return form, row, fe
}

// row reads the situation of the path.
func (s *server) row(r *http.Request) (school.Row, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return school.Row{}, notFound("Cette fiche n'existe pas. Revenez à la liste et choisissez un membre du personnel.")
	}
	row, err := s.store.Row(r.Context(), s.fase, id)
	if errors.Is(err, school.ErrNotFound) {
		return school.Row{}, notFound("Cette fiche n'existe pas ou plus. Revenez à la liste et choisissez un membre du personnel.")
	}
	return row, err
}

func (s *server) renderFiche(w http.ResponseWriter, r *http.Request, status int, row school.Row, f ficheForm, fe school.FieldErrors) error {
	return s.renderFicheFrom(w, r, status, row, 0, f, fe, nil)
}

// renderFicheProposal shows the fiche again, nothing saved, with the role
// and the promotion box the new function calls for.
func (s *server) renderFicheProposal(w http.ResponseWriter, r *http.Request, row school.Row, f ficheForm, p *proposal) error {
	return s.renderFicheFrom(w, r, http.StatusOK, row, 0, f, nil, p)
}

// renderFicheFrom renders the fiche; for a new situation (ID 0), from is
// the situation whose member it is given to, 0 for a new member.
func (s *server) renderFicheFrom(w http.ResponseWriter, r *http.Request, status int, row school.Row, from int64, f ficheForm, fe school.FieldErrors, p *proposal) error {
	rows, err := s.store.Rows(r.Context(), s.fase)
	if err != nil {
		return err
	}
	all := school.BySituation(school.Check(rows, s.now(), s.tables))
	findings, byField := shownFindings(all[row.Situation.ID], fe)
	view := ficheView{
		base:      s.base(r),
		ID:        row.Situation.ID,
		Action:    fmt.Sprintf("/situations/%d", row.Situation.ID),
		Name:      row.DisplayName(),
		Fieldsets: ficheFieldsets(f, roleOptions(f.Role), s.functionOptions(f.Function), s.statusOptions(f.Status)),
		Findings:  findings,
		Proposal:  p,
	}
	if view.Nav, err = s.ficheNav(r, row.Situation.ID, rows, all); err != nil {
		return err
	}
	view.Action += view.Nav.Suffix
	view.showErrors(byField, fe)
	title := "Fiche de " + row.DisplayName()
	if row.Situation.ID == 0 {
		view.Action, view.From = "/situations/nouvelle", from
		title = "Nouvelle situation"
		if view.Name != "" {
			title += " de " + view.Name
		}
	}
	if len(view.Errors) > 0 {
		title = "Erreurs – " + title
	}
	return s.render(w, r, status, "fiche", title, view)
}

// shownFindings returns the findings of a situation the fiche shows, and
// the same by field. The findings are about the stored row: a field typed
// anew and refused (in fe) shows its error only, not also what the checks
// said of the old value (an invalid e-mail is not also « manquante »).
func shownFindings(situation []school.Finding, fe school.FieldErrors) ([]school.Finding, map[string][]school.Finding) {
	var findings []school.Finding
	byField := map[string][]school.Finding{}
	for _, x := range situation {
		if _, refused := fe[x.Field]; refused {
			continue
		}
		findings = append(findings, x)
		byField[x.Field] = append(byField[x.Field], x)
	}
	return findings, byField
}

// roleOptions are the extranet roles a fiche offers, role selected.
func roleOptions(role string) []option {
	return []option{{Value: "", Label: "—", Selected: role == ""}, {Value: "Enseignant", Label: "Enseignant", Selected: role == "Enseignant"},
		{Value: "Directeur", Label: "Directeur", Selected: role == "Directeur"}}
}

// functionOptions are the functions of the tables, code selected, each with
// the role and promotion it gives.
func (s *server) functionOptions(code string) []option {
	var functions []option
	known := false
	for _, fn := range s.tables.Functions() {
		sel := strings.EqualFold(fn.Code, code)
		known = known || sel
		plan, _ := functionRole(s.tables, fn.Code)
		functions = append(functions, option{Value: fn.Code, Label: fn.Display(), Selected: sel, Role: string(plan.Role), Promotion: plan.Promotion})
	}
	if !known {
		// A code the table does not know (an old import) stays visible,
		// so that saving the fiche does not change it silently.
		label := "— choisissez une fonction —"
		if code != "" {
			label = code + " (inconnue)"
		}
		functions = append([]option{{Value: code, Label: label, Selected: true}}, functions...)
	}
	return functions
}

// statusOptions are the situations principales of the tables, code
// selected (none means fwb.NoSituation); an unknown code stays visible.
func (s *server) statusOptions(code string) []option {
	var statuses []option
	known := false
	for _, st := range s.tables.Situations() {
		sel := strings.EqualFold(st.Code, code) || (code == "" && st.Code == fwb.NoSituation)
		known = known || sel
		label := st.Code
		if st.Label != "" {
			label += " (" + st.Label + ")"
		}
		statuses = append(statuses, option{Value: st.Code, Label: label, Selected: sel})
	}
	if !known {
		statuses = append([]option{{Value: code, Label: code + " (inconnue)", Selected: true}}, statuses...)
	}
	return statuses
}

// ficheFieldsets lays out the fiche's fields, filled from f.
func ficheFieldsets(f ficheForm, roles, functions, statuses []option) []fieldset {
	text := func(name, field, label, value, hint string) fieldView {
		return fieldView{Name: name, Field: field, Label: label, Type: "text", Value: value, Hint: hint}
	}
	check := func(name, field, label string, on bool) fieldView {
		return fieldView{Name: name, Field: field, Label: label, Type: "checkbox", Checked: on}
	}
	email := text("email", school.FieldSchoolEmail, "E-mail école", f.SchoolEmail, "La seule adresse envoyée à l'extranet SeGEC.")
	email.Type, email.Auto = "email", "off"
	return []fieldset{
		{"Identité", []fieldView{
			text("nom", school.FieldLastName, "Nom", f.LastName, ""),
			text("prenom", school.FieldFirstName, "Prénom", f.FirstName, ""),
			text("naissance", school.FieldBirthDate, "Date de naissance", f.BirthDate, "jj/mm/aaaa"),
			text("niss", school.FieldNISS, "Numéro national", f.NISS, "11 chiffres ; points, tirets et espaces sont ignorés."),
			text("matricule", school.FieldMatricule, "Matricule ministériel", f.Matricule, "11 chiffres."),
		}},
		{"Extranet SeGEC", []fieldView{
			email,
			{Name: "role", Field: school.FieldRole, Label: "Rôle extranet", Type: "select", Options: roles,
				Hint: "Vide : le transfert complète le rôle d'après la fonction."},
		}},
		{"Situation école", []fieldView{
			check("present", school.FieldPresent, "Présent (physiquement)", f.Present),
			check("actif", school.FieldActive, "Actif (présent administrativement)", f.Active),
			text("debut", school.FieldStart, "Date de début", f.Start, "jj/mm/aaaa"),
			text("fin", school.FieldEnd, "Date de fin", f.End, "jj/mm/aaaa ; vide si la situation continue."),
			{Name: "fonction", Field: school.FieldFunction, Label: "Fonction principale", Type: "select", Options: functions},
			check("promotion", school.FieldPromotion, "Fonction de promotion", f.Promotion),
			{Name: "situation", Field: school.FieldStatus, Label: "Situation principale", Type: "select", Options: statuses},
			text("charge", school.FieldCharge, "Charge", f.Charge, "Par exemple « IP 24/24, CN -24/24 » : une ligne par fonction ou congé, séparées par des virgules."),
		}},
	}
}

// showErrors gives each field its findings and its error, and lists the
// errors at the top of the fiche. A problem of a field the fiche does not
// show (none today) still blocks the save; say so rather than fail
// silently.
func (view *ficheView) showErrors(byField map[string][]school.Finding, fe school.FieldErrors) {
	for i := range view.Fieldsets {
		for j := range view.Fieldsets[i].Fields {
			fv := &view.Fieldsets[i].Fields[j]
			fv.Findings = byField[fv.Field]
			if msg, ok := fe[fv.Field]; ok {
				fv.Error = frtext.Sentence(msg)
				view.Errors = append(view.Errors, fieldError{fv.ID(), fv.Label, fv.Error})
			}
		}
	}
	for _, field := range fe.Fields() {
		shown := false
		for _, e := range view.Errors {
			shown = shown || e.ID == "f-"+field
		}
		if !shown {
			view.Errors = append(view.Errors, fieldError{"", field, frtext.Sentence(fe[field])})
		}
	}
}
