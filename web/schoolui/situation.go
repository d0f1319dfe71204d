package schoolui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/web"
)

// newRow is the situation a new fiche starts from: present and active, the
// member of situation from when it is not 0 (another situation of the same
// person: a second function, a new appointment), a new member otherwise.
func (s *server) newRow(r *http.Request, from int64) (school.Row, error) {
	row := school.Row{Situation: school.Situation{Present: true, Active: true, Status: fwb.NoSituation}}
	if from == 0 {
		return row, nil
	}
	base, err := s.store.Row(r.Context(), s.fase, from)
	if err != nil {
		return school.Row{}, notFound("Cette fiche n'existe pas ou plus. Revenez à la liste et choisissez un membre du personnel.")
	}
	row.Member = base.Member
	row.Situation.MemberID = base.Member.ID
	return row, nil
}

// fromParam reads the situation whose member a new situation is for
// (« depuis »), in the query or the form.
func fromParam(r *http.Request) (int64, bool) {
	v := strings.TrimSpace(r.FormValue("depuis"))
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// newFiche reads « depuis » and returns the row a new fiche starts from.
func (s *server) newFiche(r *http.Request) (from int64, row school.Row, err error) {
	from, ok := fromParam(r)
	if !ok {
		return 0, school.Row{}, notFound("Cette fiche n'existe pas. Revenez à la liste et choisissez un membre du personnel.")
	}
	row, err = s.newRow(r, from)
	return from, row, err
}

func (s *server) showNewSituation(w http.ResponseWriter, r *http.Request) error {
	from, row, err := s.newFiche(r)
	if err != nil {
		return err
	}
	f := formFromRow(row)
	f.Start = frtext.FormatDate(s.now())
	return s.renderFicheFrom(w, r, http.StatusOK, row, from, f, nil, nil)
}

func (s *server) addSituation(w http.ResponseWriter, r *http.Request) error {
	from, blank, err := s.newFiche(r)
	if err != nil {
		return err
	}
	form, row, fe := s.readFiche(r, blank)
	if from == 0 {
		// A person the school knows already gets another situation from
		// their fiche, not a second member.
		rows, err := s.store.Rows(r.Context(), s.fase)
		if err != nil {
			return err
		}
		fe.Add(knownMember(row.Member, rows))
	}
	if len(fe) > 0 {
		return s.renderFicheFrom(w, r, http.StatusUnprocessableEntity, blank, from, form, fe, nil)
	}
	saved, err := s.store.SaveRows(r.Context(), s.fase, []school.Row{row})
	if err != nil {
		return err
	}
	id := saved[0].Situation.ID
	s.log.Info("situation added", "situation", id, "member", saved[0].Member.ID, "by", userFrom(r.Context()).Login)
	web.AddFlash(w, r, web.FlashSuccess, msgSituationAdded)
	return seeOther(w, r, fmt.Sprintf("/situations/%d", id))
}

// knownMember reports the identifiers of m that another member of the school
// already has.
func knownMember(m school.Member, rows []school.Row) school.FieldErrors {
	fe := school.FieldErrors{}
	for _, r := range rows {
		o := r.Member
		if o.ID == m.ID {
			continue
		}
		name := frtext.FormatName(o.LastName, o.FirstName)
		hint := "ouvrez sa fiche et choisissez « Ajouter une situation pour ce membre »"
		if m.NISS != "" && digitsOnly(o.NISS) == digitsOnly(m.NISS) {
			fe[school.FieldNISS] = "ce numéro national est déjà celui de " + name + " : " + hint
		}
		if m.Matricule != "" && digitsOnly(o.Matricule) == digitsOnly(m.Matricule) {
			fe[school.FieldMatricule] = "ce matricule est déjà celui de " + name + " : " + hint
		}
	}
	return fe
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

type deleteView struct {
	base
	ID                   int64
	Name                 string
	Function, Start, End string
	Others               int // the member's other situations in the school
}

func (s *server) confirmDeleteSituation(w http.ResponseWriter, r *http.Request) error {
	row, err := s.row(r)
	if err != nil {
		return err
	}
	rows, err := s.store.Rows(r.Context(), s.fase)
	if err != nil {
		return err
	}
	v := deleteView{base: s.base(r), ID: row.Situation.ID, Name: row.DisplayName(),
		Function: row.Situation.Function, Start: frtext.FormatDate(row.Situation.Start), End: frtext.FormatDate(row.Situation.End)}
	if fn, ok := s.tables.Function(row.Situation.Function); ok {
		v.Function = fn.Display()
	}
	for _, o := range rows {
		if o.Member.ID == row.Member.ID && o.Situation.ID != row.Situation.ID {
			v.Others++
		}
	}
	return s.render(w, r, http.StatusOK, "situation_delete", "Supprimer une situation de "+row.DisplayName(), v)
}

func (s *server) deleteSituation(w http.ResponseWriter, r *http.Request) error {
	row, err := s.row(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSituation(r.Context(), s.fase, row.Situation.ID); err != nil {
		return err
	}
	s.log.Info("situation deleted", "situation", row.Situation.ID, "member", row.Member.ID, "by", userFrom(r.Context()).Login)
	web.AddFlash(w, r, web.FlashSuccess, msgSituationDelete+" ("+row.DisplayName()+")")
	return seeOther(w, r, "/")
}
