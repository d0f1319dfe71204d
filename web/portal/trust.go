package portal

// The pages of the trust rules (docs/security.md): linking another school's
// address from « Mes accès », « Ce n'est pas moi » from a notice, and the
// console's « Vérifications » (weak matches and disputed accesses).

import (
	"context"
	"errors"
	"net/http"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/web"
)

// requestAddressLink sends a link to another address of the signed-in
// person. The answer is the same whether or not the address belongs to one
// of their accesses, so that a session learns nothing of the account's
// other addresses.
func (s *server) requestAddressLink(w http.ResponseWriter, r *http.Request) error {
	acc := accessFrom(r.Context())
	if !acc.CanLink() {
		web.AddFlash(w, r, web.FlashWarning, frtext.Sentence(extranet.ErrLinkFromOwnAddress.Error()))
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	other := r.PostFormValue("adresse")
	if _, err := frtext.NormalizeEmail(other); err != nil {
		web.AddFlash(w, r, web.FlashWarning, "Saisissez l'adresse e-mail que l'autre école a donnée pour vous, par exemple prenom.nom@autre-ecole.be.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if !s.linkID.Allow("relier:" + acc.Account.ID) {
		return &web.Error{Status: http.StatusTooManyRequests,
			Message: "Trop de demandes de liaison : patientez un quart d'heure avant de réessayer."}
	}
	a := *acc
	s.inBackground(r.Context(), func(ctx context.Context) {
		msg, ok, err := s.portal.RequestAddressLink(ctx, a, other, s.linkURL)
		if err != nil {
			s.log.ErrorContext(ctx, "preparing an address link", "err", err)
			return
		}
		if ok {
			s.send(ctx, msg)
		}
	})
	web.AddFlash(w, r, web.FlashInfo, "Si cette adresse est celle d'un de vos accès, un lien vient d'y être envoyé. "+
		"Suivez-le depuis cette boîte aux lettres : vos sessions verront ensuite les accès des deux adresses.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// disputeData is the page of a « Ce n'est pas moi » link.
type disputeData struct {
	chrome
	Token  string
	Notice extranet.GrantNotice
	Done   bool
	Error  string
}

// disputePage asks for a click first: mail scanners open links on their own.
func (s *server) disputePage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("jeton")
	data := &disputeData{chrome: s.chromeFor(r, "connexion"), Token: tok}
	n, err := s.portal.NoticeForToken(r.Context(), tok)
	if errors.Is(err, extranet.ErrNoticeInvalid) {
		data.Error = frtext.Sentence(err.Error())
		return s.render(w, r, http.StatusGone, "dispute", "Ce n'est pas moi", data)
	}
	if err != nil {
		return err
	}
	data.Notice = n
	return s.render(w, r, http.StatusOK, "dispute", "Ce n'est pas moi", data)
}

func (s *server) dispute(w http.ResponseWriter, r *http.Request) error {
	if !s.useIP.Allow(s.clientIP(r)) {
		return &web.Error{Status: http.StatusTooManyRequests}
	}
	data := &disputeData{chrome: s.chromeFor(r, "connexion")}
	n, err := s.portal.Dispute(r.Context(), r.PostFormValue("jeton"))
	if errors.Is(err, extranet.ErrNoticeInvalid) {
		data.Error = frtext.Sentence(err.Error())
		return s.render(w, r, http.StatusGone, "dispute", "Ce n'est pas moi", data)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "access disputed", "fase", n.FASE, "grant", n.GrantID)
	data.Notice, data.Done = n, true
	return s.render(w, r, http.StatusOK, "dispute", "Ce n'est pas moi", data)
}

// verificationsData is the console's « Vérifications ».
type verificationsData struct {
	chrome
	Matches  []extranet.IdentityMatch
	Disputes []extranet.GrantNotice
	Schools  map[int]string
}

func (s *server) verificationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	matches, err := s.cfg.Store.OpenMatches(ctx, 200)
	if err != nil {
		return err
	}
	disputes, err := s.cfg.Store.Disputes(ctx, 200)
	if err != nil {
		return err
	}
	schools := map[int]string{}
	for _, m := range matches {
		for _, f := range append([]int{m.FASE}, m.OtherFASEs...) {
			if _, ok := schools[f]; ok {
				continue
			}
			if sc, err := s.cfg.Store.School(ctx, f); err == nil {
				schools[f] = sc.Name
			}
		}
	}
	return s.render(w, r, http.StatusOK, "console/verifications", "Vérifications", &verificationsData{
		chrome: s.chromeFor(r, "verifications"), Matches: matches, Disputes: disputes, Schools: schools,
	})
}

func (s *server) reviewMatch(w http.ResponseWriter, r *http.Request) error {
	op := operatorFrom(r.Context())
	err := s.portal.ReviewMatch(r.Context(), r.PathValue("id"), op.Actor())
	if err == nil {
		web.AddFlash(w, r, web.FlashSuccess, "Rapprochement marqué comme vérifié.")
	}
	return flashOrFail(w, r, domainError(err), "/console/verifications")
}

func (s *server) decideDispute(w http.ResponseWriter, r *http.Request) error {
	op := operatorFrom(r.Context())
	decision := r.PostFormValue("decision")
	err := s.portal.DecideDispute(r.Context(), r.PathValue("id"), decision, op.Actor())
	if err == nil {
		msg := "Suspension maintenue : l'accès reste séparé du compte."
		if decision == extranet.DisputeRestored {
			msg = "Lien rétabli : l'accès rejoint le compte."
		}
		web.AddFlash(w, r, web.FlashSuccess, msg)
	}
	return flashOrFail(w, r, domainError(err), "/console/verifications")
}
