package portal

// The console's « Contenus »: the links and notices operators publish in
// the portal's spaces, and what the spaces read of them.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/web"
)

// spaceItems returns what a space shows to a person through grants: the
// items for every school and for the grants' schools.
func (s *server) spaceItems(r *http.Request, space string, grants ...extranet.PersonGrant) ([]extranet.SpaceItem, error) {
	fases := []int{}
	for _, g := range grants {
		fases = append(fases, g.Grant.FASE)
	}
	return s.cfg.Store.SpaceItems(r.Context(), space, fases)
}

// contentData is the console's « Contenus »: the list and the form.
type contentData struct {
	chrome
	Items   []extranet.SpaceItem
	Schools map[int]string
	Form    contentForm
	Error   string
}

// contentForm is the form of an item, as typed.
type contentForm struct {
	ID, Space, Kind, FASE, Title, Text, URL, Position string
}

func formOf(it extranet.SpaceItem) contentForm {
	f := contentForm{ID: it.ID, Space: it.Space, Kind: it.Kind, Title: it.Title, Text: it.Text, URL: it.URL,
		Position: strconv.Itoa(it.Position)}
	if it.FASE != 0 {
		f.FASE = strconv.Itoa(it.FASE)
	}
	return f
}

func (s *server) contentPage(w http.ResponseWriter, r *http.Request) error {
	d := &contentData{chrome: s.chromeFor(r, "contenus"),
		Form: contentForm{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: "0"}}
	if id := r.PathValue("id"); id != "" {
		it, err := s.cfg.Store.SpaceItem(r.Context(), id)
		if err != nil {
			return domainError(err)
		}
		d.Form = formOf(it)
	}
	return s.renderContent(w, r, http.StatusOK, d)
}

func (s *server) renderContent(w http.ResponseWriter, r *http.Request, status int, d *contentData) error {
	var err error
	if d.Items, err = s.cfg.Store.SpaceItems(r.Context(), "", nil); err != nil {
		return err
	}
	if d.Schools, err = s.schoolNames(r); err != nil {
		return err
	}
	return s.render(w, r, status, "console/content", "Contenus des espaces", d)
}

// saveContent adds or changes an item; a refusal shows the form again,
// as typed, with what to fix.
func (s *server) saveContent(w http.ResponseWriter, r *http.Request) error {
	f := contentForm{ID: r.PathValue("id"), Space: r.PostFormValue("espace"), Kind: r.PostFormValue("genre"),
		FASE: strings.TrimSpace(r.PostFormValue("fase")), Title: r.PostFormValue("titre"), Text: r.PostFormValue("texte"),
		URL: r.PostFormValue("adresse"), Position: strings.TrimSpace(r.PostFormValue("ordre"))}
	it := extranet.SpaceItem{ID: f.ID, Space: f.Space, Kind: f.Kind, Title: f.Title, Text: f.Text, URL: f.URL}
	if f.Kind == extranet.ItemNotice && strings.TrimSpace(f.URL) == "" {
		it.URL = ""
	}
	var problems []string
	if f.FASE != "" {
		n, err := strconv.Atoi(f.FASE)
		if err != nil || n <= 0 {
			problems = append(problems, "le numéro FASE est un nombre entier positif (ou vide pour toutes les écoles)")
		}
		it.FASE = n
	}
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil {
			problems = append(problems, "l'ordre est un nombre entier")
		}
		it.Position = n
	}
	if len(problems) == 0 {
		if f.ID != "" {
			if _, err := s.cfg.Store.SpaceItem(r.Context(), f.ID); err != nil {
				return domainError(err)
			}
		}
		_, err := s.portal.SaveSpaceItem(r.Context(), it, operatorFrom(r.Context()).Actor())
		var refusedErr *extranet.RefusedError
		if errors.As(err, &refusedErr) {
			problems = append(problems, refusedErr.Message)
		} else if err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return s.renderContent(w, r, http.StatusUnprocessableEntity, &contentData{chrome: s.chromeFor(r, "contenus"),
			Form: f, Error: frtext.Sentence(strings.Join(problems, " ; "))})
	}
	web.AddFlash(w, r, web.FlashSuccess, "« "+extranet.CleanName(f.Title)+" » est publié dans l'espace "+f.Space+".")
	http.Redirect(w, r, "/console/contenus", http.StatusSeeOther)
	return nil
}

func (s *server) deleteContent(w http.ResponseWriter, r *http.Request) error {
	if err := s.portal.DeleteSpaceItem(r.Context(), r.PathValue("id"), operatorFrom(r.Context()).Actor()); err != nil {
		return domainError(err)
	}
	web.AddFlash(w, r, web.FlashSuccess, "Le contenu est retiré de l'espace.")
	http.Redirect(w, r, "/console/contenus", http.StatusSeeOther)
	return nil
}
