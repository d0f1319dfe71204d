package portal

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/web"
)

// accountsData is the search of the persons the extranet knows, with or
// without an account.
type accountsData struct {
	chrome
	Query, State string
	People       []extranet.PersonRecord
	NextNight    time.Time
	Error        string
}

func (s *server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := &accountsData{chrome: s.chromeFor(r, "comptes"), Query: web.SearchText(q.Get("q")), State: q.Get("etat"),
		NextNight: s.nextNight()}
	switch d.State {
	case "", extranet.AccountInvited, extranet.AccountActive, extranet.AccountDisabled, extranet.NoAccount:
	default:
		d.State = ""
	}
	if web.SearchTooLong(d.Query) {
		d.Query, d.Error = web.Capped(d.Query), web.MsgSearchTooLong
		return s.render(w, r, http.StatusBadRequest, "console/accounts", "Comptes", d)
	}
	var err error
	if d.People, err = s.cfg.Store.SearchPeople(r.Context(), extranet.AccountFilter{Query: d.Query, State: d.State, Limit: 100}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/accounts", "Comptes", d)
}

// accountData is one account with its person, grants and e-mails.
type accountData struct {
	chrome
	Account extranet.Account
	Person  extranet.Person
	Grants  []extranet.PersonGrant
	Outbox  []extranet.OutboxMessage
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.cfg.Store.Account(ctx, r.PathValue("id"))
	if err != nil {
		return domainError(err)
	}
	d := &accountData{chrome: s.chromeFor(r, "comptes"), Account: a}
	if d.Person, err = s.cfg.Store.Person(ctx, a.PersonID); err != nil {
		return err
	}
	if d.Grants, err = s.cfg.Store.PersonGrants(ctx, a.PersonID); err != nil {
		return err
	}
	if d.Outbox, err = s.cfg.Store.Outbox(ctx, extranet.OutboxFilter{PersonID: a.PersonID, Limit: 50}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/account", a.Login, d)
}

// accountAction disables or enables an account, or sends its invitation
// again (action=desactiver|reactiver|invitation).
func (s *server) accountAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	back := "/console/comptes/" + id
	actor := operatorFrom(ctx).Actor()
	switch r.PostFormValue("action") {
	case "desactiver":
		a, err := s.portal.SetAccountDisabled(ctx, id, true, actor)
		if err != nil {
			return flashOrFail(w, r, err, back)
		}
		// The sessions end now rather than at the person's next request.
		if err := s.cfg.Sessions.DeleteUserSessions(ctx, a.ID); err != nil {
			return err
		}
		web.AddFlash(w, r, web.FlashWarning, fmt.Sprintf("Le compte %s est désactivé : la personne ne peut plus se connecter.", a.Login))
	case "reactiver":
		a, err := s.portal.SetAccountDisabled(ctx, id, false, actor)
		if err != nil {
			return flashOrFail(w, r, err, back)
		}
		web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Le compte %s est réactivé.", a.Login))
	case "invitation":
		if err := s.portal.ResendInvitation(ctx, id, actor, s.cfg.Sender); err != nil {
			if de := domainError(err); de != err {
				return flashOrFail(w, r, err, back)
			}
			s.log.ErrorContext(ctx, "resending an invitation", "account", id, "err", err)
			web.AddFlash(w, r, web.FlashWarning, "L'invitation est enregistrée mais n'a pas pu être envoyée : le traitement de nuit la renverra.")
			break
		}
		web.AddFlash(w, r, web.FlashSuccess, "L'invitation est renvoyée.")
	default:
		return &web.Error{Status: http.StatusBadRequest}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// nightsData lists the night runs, and the schools whose accesses of the
// ended school year are carried over (the rentrée).
type nightsData struct {
	chrome
	Reports []extranet.NightReport
	Carried []extranet.CarriedSchool
	// Deadline is the carry-over's last day; zero outside it.
	Deadline time.Time
	// Rentree: a listed night carried over or renewed accesses; the
	// table shows its two columns only then, to fit 1280 px otherwise.
	Rentree bool
}

func (s *server) nightsPage(w http.ResponseWriter, r *http.Request) error {
	d := &nightsData{chrome: s.chromeFor(r, "nuits")}
	var err error
	if d.Reports, err = s.cfg.Service.NightReports(r.Context(), 30); err != nil {
		return err
	}
	if d.Carried, d.Deadline, err = s.cfg.Service.Carried(r.Context(), 0); err != nil {
		return err
	}
	// In the order of the nights themselves, newest first: a night run
	// later for an earlier date (--at) takes its place.
	slices.SortStableFunc(d.Reports, func(a, b extranet.NightReport) int { return b.At.Compare(a.At) })
	d.Rentree = slices.ContainsFunc(d.Reports, func(r extranet.NightReport) bool { return r.CarriedOver > 0 || r.Renewed > 0 })
	return s.render(w, r, http.StatusOK, "console/nights", "Nuits", d)
}

// simulateNight runs the night now, for the demo: the accesses opened by the
// day's transfers, and the e-mails, without waiting for 02:00.
func (s *server) simulateNight(w http.ResponseWriter, r *http.Request) error {
	// One at a time from this console; other processes are kept out by
	// the night's own lock.
	if !s.nightMu.TryLock() {
		web.AddFlash(w, r, web.FlashWarning, frtext.Sentence(extranet.ErrNightRunning.Error()))
		http.Redirect(w, r, "/console/nuits", http.StatusSeeOther)
		return nil
	}
	defer s.nightMu.Unlock()
	rep, err := s.portal.RunNight(r.Context(), operatorFrom(r.Context()).Actor(), s.cfg.Sender)
	if err != nil {
		return flashOrFail(w, r, err, "/console/nuits")
	}
	web.AddFlash(w, r, web.FlashSuccess, "Nuit simulée : "+frtext.Plural(rep.Activated, "accès ouvert", "accès ouverts")+", "+
		frtext.Plural(rep.Modified, "modifié", "modifiés")+", "+frtext.Plural(rep.CreatedAccounts, "compte créé", "comptes créés")+", "+
		frtext.Plural(rep.Sent, "e-mail envoyé", "e-mails envoyés")+".")
	http.Redirect(w, r, "/console/nuits", http.StatusSeeOther)
	return nil
}
