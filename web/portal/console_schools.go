package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/web"
)

// schoolsData is the list of schools, with the form to register one.
type schoolsData struct {
	chrome
	Query   string
	Schools []extranet.School
	Total   int
	Form    map[string]string
	Error   string
}

// maxListed bounds the schools listed at once; the search narrows it.
const maxListed = 200

func (s *server) schoolsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSchools(w, r, http.StatusOK, nil, "")
}

func (s *server) renderSchools(w http.ResponseWriter, r *http.Request, status int, form map[string]string, msg string) error {
	all, err := s.cfg.Store.Schools(r.Context())
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := &schoolsData{chrome: s.chromeFor(r, "ecoles"), Query: q, Total: len(all), Form: form, Error: msg}
	fq := frtext.Fold(q)
	for _, sc := range all {
		if q == "" || strings.Contains(strconv.Itoa(sc.FASE), q) || strings.Contains(frtext.Fold(sc.Name), fq) {
			d.Schools = append(d.Schools, sc)
		}
		if len(d.Schools) == maxListed {
			break
		}
	}
	return s.render(w, r, status, "console/schools", "Écoles", d)
}

// tokenData shows a school's new token, once.
type tokenData struct {
	chrome
	School extranet.School
	Token  string
	New    bool // the school was just registered
}

func (s *server) addSchool(w http.ResponseWriter, r *http.Request) error {
	op := operatorFrom(r.Context())
	form := map[string]string{"fase": strings.TrimSpace(r.PostFormValue("fase")), "name": strings.TrimSpace(r.PostFormValue("name"))}
	fase, err := strconv.Atoi(form["fase"])
	if err != nil || fase <= 0 {
		return s.renderSchools(w, r, http.StatusBadRequest, form, "Le numéro FASE est un nombre entier positif.")
	}
	if form["name"] == "" {
		return s.renderSchools(w, r, http.StatusBadRequest, form, "Donnez le nom de l'école.")
	}
	token, err := s.cfg.Service.AddSchool(r.Context(), fase, form["name"], op.Actor())
	switch {
	case errors.Is(err, extranet.ErrSchoolExists):
		return s.renderSchools(w, r, http.StatusConflict, form, frtext.Sentence(extranet.ErrSchoolExists.Error()))
	case err != nil && (strings.HasPrefix(err.Error(), "nom de l'école") || strings.HasPrefix(err.Error(), "numéro FASE")):
		// AddSchool's own checks, worded for people.
		return s.renderSchools(w, r, http.StatusBadRequest, form, frtext.Sentence(err.Error()))
	case err != nil:
		return err
	}
	school, err := s.cfg.Store.School(r.Context(), fase)
	if err != nil {
		return err
	}
	// The token is shown in this answer only: it is not put in a flash
	// cookie or a URL, and the page is not cached (no-store).
	return s.render(w, r, http.StatusOK, "console/token", "Jeton de l'école", &tokenData{
		chrome: s.chromeFor(r, "ecoles"), School: school, Token: token, New: true,
	})
}

// schoolData is one school with its tokens and last transfers.
type schoolData struct {
	chrome
	School    extranet.School
	Tokens    []extranet.SchoolToken
	Live      int
	Transfers []extranet.TransferRecord
	Schools   map[int]string
}

func (s *server) school(r *http.Request) (extranet.School, error) {
	fase, err := strconv.Atoi(r.PathValue("fase"))
	if err != nil {
		return extranet.School{}, &web.Error{Status: http.StatusNotFound}
	}
	sc, err := s.cfg.Store.School(r.Context(), fase)
	return sc, domainError(err)
}

func (s *server) schoolPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.school(r)
	if err != nil {
		return err
	}
	d := &schoolData{chrome: s.chromeFor(r, "ecoles"), School: sc, Schools: map[int]string{sc.FASE: sc.Name}}
	if d.Tokens, err = s.cfg.Store.SchoolTokens(r.Context(), sc.FASE); err != nil {
		return err
	}
	for _, t := range d.Tokens {
		if t.RevokedAt.IsZero() {
			d.Live++
		}
	}
	if d.Transfers, err = s.cfg.Store.Transfers(r.Context(), extranet.TransferFilter{FASE: sc.FASE, Limit: 10}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/school", sc.Name, d)
}

func (s *server) rotateToken(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.school(r)
	if err != nil {
		return err
	}
	token, err := s.cfg.Service.RotateToken(r.Context(), sc.FASE, operatorFrom(r.Context()).Actor())
	if err != nil {
		return domainError(err)
	}
	return s.render(w, r, http.StatusOK, "console/token", "Nouveau jeton", &tokenData{
		chrome: s.chromeFor(r, "ecoles"), School: sc, Token: token,
	})
}

func (s *server) revokeTokens(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.school(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Service.RevokeTokens(r.Context(), sc.FASE, operatorFrom(r.Context()).Actor()); err != nil {
		return domainError(err)
	}
	web.AddFlash(w, r, web.FlashWarning, "Les jetons de l'école "+sc.Name+" sont révoqués : ses transferts sont refusés jusqu'à ce qu'un nouveau jeton soit créé.")
	http.Redirect(w, r, "/console/ecoles/"+strconv.Itoa(sc.FASE), http.StatusSeeOther)
	return nil
}
