package portal

import (
	"errors"
	"net/http"
	"time"

	"passerelle/extranet"
)

// nextNight is the next night run after now.
func (s *server) nextNight() time.Time {
	return s.cfg.Service.NextNightRun()
}

// personData is a person the extranet knows who has no account yet.
type personData struct {
	chrome
	Person extranet.Person
	Grants []extranet.PersonGrant
	Why    string
}

// personPage shows a person without account: their accesses and why no
// account exists yet. A person with an account is shown as their account.
func (s *server) personPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if a, err := s.cfg.Store.PersonAccount(ctx, id); err == nil {
		http.Redirect(w, r, "/console/comptes/"+a.ID, http.StatusSeeOther)
		return nil
	} else if !errors.Is(err, extranet.ErrNotFound) {
		return err
	}
	p, err := s.cfg.Store.Person(ctx, id)
	if err != nil {
		return domainError(err)
	}
	d := &personData{chrome: s.chromeFor(r, "comptes"), Person: p}
	if d.Grants, err = s.cfg.Store.PersonGrants(ctx, id); err != nil {
		return err
	}
	rec := extranet.PersonRecord{Person: p}
	for _, g := range d.Grants {
		switch g.Grant.State {
		case extranet.GrantActive:
			rec.Active++
		case extranet.GrantPending:
			rec.Pending++
		case extranet.GrantDeactivated:
			rec.Deactivated++
		}
	}
	d.Why = rec.WhyNoAccount(s.nextNight())
	return s.render(w, r, http.StatusOK, "console/person", "Personne sans compte", d)
}
