package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/web"
)

// transfersData is the search of the journal of transfers.
type transfersData struct {
	chrome
	FASE, From, To string
	Error          string
	Transfers      []extranet.TransferRecord
	Schools        map[int]string
}

// parseDay reads a date field (YYYY-MM-DD) as the start of that day in
// Brussels.
func parseDay(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", s, frtext.Brussels)
	return d, err
}

func (s *server) schoolNames(r *http.Request) (map[int]string, error) {
	all, err := s.cfg.Store.Schools(r.Context())
	if err != nil {
		return nil, err
	}
	names := make(map[int]string, len(all))
	for _, sc := range all {
		names[sc.FASE] = sc.Name
	}
	return names, nil
}

func (s *server) transfersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := &transfersData{chrome: s.chromeFor(r, "transferts"),
		FASE: strings.TrimSpace(q.Get("fase")), From: q.Get("du"), To: q.Get("au")}
	f := extranet.TransferFilter{Limit: 100}
	var problems []string
	if d.FASE != "" {
		n, err := strconv.Atoi(d.FASE)
		if err != nil || n <= 0 {
			problems = append(problems, "le numéro FASE est un nombre entier positif")
		}
		f.FASE = n
	}
	if d.From != "" {
		t, err := parseDay(d.From)
		if err != nil {
			problems = append(problems, "la date « du » est illisible")
		}
		f.From = t
	}
	if d.To != "" {
		t, err := parseDay(d.To)
		if err != nil {
			problems = append(problems, "la date « au » est illisible")
		}
		f.To = t.AddDate(0, 0, 1) // the whole last day
	}
	status := http.StatusOK
	if len(problems) > 0 {
		d.Error = frtext.Sentence(strings.Join(problems, " ; "))
		status = http.StatusBadRequest
	} else {
		var err error
		if d.Transfers, err = s.cfg.Store.Transfers(r.Context(), f); err != nil {
			return err
		}
	}
	var err error
	if d.Schools, err = s.schoolNames(r); err != nil {
		return err
	}
	return s.render(w, r, status, "console/transfers", "Transferts", d)
}

// transferData is one transfer with its changes.
type transferData struct {
	chrome
	Transfer extranet.TransferRecord
	School   string
	// WouldDeactivate: a held transfer's people, for the operator's call.
	WouldDeactivate []heldPerson
}

func (s *server) transferPage(w http.ResponseWriter, r *http.Request) error {
	t, err := s.cfg.Store.TransferRecord(r.Context(), r.PathValue("id"))
	if err != nil {
		return domainError(err)
	}
	d := &transferData{chrome: s.chromeFor(r, "transferts"), Transfer: t}
	if sc, err := s.cfg.Store.School(r.Context(), t.FASE); err == nil {
		d.School = sc.Name
	}
	if d.WouldDeactivate, err = s.heldPeople(r.Context(), t); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/transfer", "Transfert", d)
}

// heldData lists held transfers waiting for a decision.
type heldData struct {
	chrome
	Transfers []extranet.TransferRecord
	Schools   map[int]string
}

func (s *server) heldPage(w http.ResponseWriter, r *http.Request) error {
	d := &heldData{chrome: s.chromeFor(r, "suspendus")}
	var err error
	if d.Transfers, err = s.cfg.Store.Transfers(r.Context(), extranet.TransferFilter{OpenHeld: true}); err != nil {
		return err
	}
	if d.Schools, err = s.schoolNames(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/held", "Transferts suspendus", d)
}

func (s *server) dismissHeld(w http.ResponseWriter, r *http.Request) error {
	if err := s.portal.DismissHeld(r.Context(), r.PathValue("id"), operatorFrom(r.Context()).Actor()); err != nil {
		return domainError(err)
	}
	web.AddFlash(w, r, web.FlashSuccess, "Le transfert suspendu est classé.")
	http.Redirect(w, r, "/console/suspendus", http.StatusSeeOther)
	return nil
}

// rejectionsData lists the entries waiting for a decision.
type rejectionsData struct {
	chrome
	Rejections []extranet.Rejection
	Schools    map[int]string
}

func (s *server) rejectionsPage(w http.ResponseWriter, r *http.Request) error {
	d := &rejectionsData{chrome: s.chromeFor(r, "rejets")}
	var err error
	if d.Rejections, err = s.cfg.Store.Rejections(r.Context(), extranet.RejectionFilter{OpenOnly: true, Limit: 200}); err != nil {
		return err
	}
	if d.Schools, err = s.schoolNames(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/rejections", "Entrées rejetées", d)
}

// rejectionData is one rejected entry with the persons it may designate.
type rejectionData struct {
	chrome
	Rejection  extranet.Rejection
	School     string
	Candidates []extranet.Candidate
	Decisions  []extranet.RejectionDecision
	Open       bool
}

func (s *server) rejectionPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rej, err := s.cfg.Store.Rejection(ctx, r.PathValue("id"))
	if err != nil {
		return domainError(err)
	}
	d := &rejectionData{chrome: s.chromeFor(r, "rejets"), Rejection: rej, Open: rej.ResolvedAt.IsZero()}
	if sc, err := s.cfg.Store.School(ctx, rej.FASE); err == nil {
		d.School = sc.Name
	}
	if d.Candidates, err = s.cfg.Store.Candidates(ctx, rej); err != nil {
		return err
	}
	if d.Decisions, err = s.cfg.Store.RejectionDecisions(ctx, rej.ID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/rejection", "Entrée rejetée", d)
}

// resolveRejection links the entry to a person (personne=ID) or to someone
// new (personne=nouvelle): first a preview of what changes, then, with
// confirmer=1, the decision.
func (s *server) resolveRejection(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	back := "/console/rejets/" + id
	personID := r.PostFormValue("personne")
	if personID == "" {
		web.AddFlash(w, r, web.FlashError, "Choisissez la personne à qui rattacher l'entrée, ou « nouvelle personne ».")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if personID == "nouvelle" {
		personID = ""
	}
	if r.PostFormValue("confirmer") == "" {
		return s.previewRejection(w, r, id, personID)
	}
	p, err := s.portal.ResolveRejection(r.Context(), id, personID, operatorFrom(r.Context()).Actor())
	if err != nil {
		return flashOrFail(w, r, err, back)
	}
	what := "rattachée à " + frtext.FormatName(p.LastName, p.FirstName)
	if personID == "" {
		what = "enregistrée comme une nouvelle personne, " + frtext.FormatName(p.LastName, p.FirstName)
	}
	web.AddFlash(w, r, web.FlashSuccess, "L'entrée est "+what+" : son accès s'ouvrira la nuit prochaine.")
	http.Redirect(w, r, "/console/rejets", http.StatusSeeOther)
	return nil
}
