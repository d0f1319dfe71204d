package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/mail"
	"passerelle/web"
)

// signInPage is the data of the sign-in form.
type signInPage struct {
	chrome
	Identifier string
	Error      string
}

func (s *server) signInForm(w http.ResponseWriter, r *http.Request) error {
	if sess, ok := s.staff.Load(r); ok && sess.Kind == web.KindStaff {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "signin", "Connexion", &signInPage{chrome: s.chromeFor(r, "connexion")})
}

// identifierMessage says what the form expects.
const identifierMessage = "Saisissez votre adresse e-mail d'école ou votre identifiant de l'extranet, de la forme prenom.nom.JJMMAA."

// plausibleIdentifier accepts what may be an address or a login; anything
// else is refused before any lookup, with the same message whoever asks.
func plausibleIdentifier(id string) bool {
	if id == "" || len(id) > 254 {
		return false
	}
	for _, c := range id {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// requestLink answers a sign-in request. The answer is the same whether or
// not an account matches, and comes before any lookup: the lookup, the link
// and the e-mail are done in the background, so that neither the page nor
// its timing tells which addresses are known.
func (s *server) requestLink(w http.ResponseWriter, r *http.Request) error {
	id := strings.TrimSpace(r.PostFormValue("identifiant"))
	if !plausibleIdentifier(id) {
		return s.render(w, r, http.StatusBadRequest, "signin", "Connexion",
			&signInPage{chrome: s.chromeFor(r, "connexion"), Identifier: id, Error: identifierMessage})
	}
	key := strings.ToLower(web.Capped(id))
	// Both limits are counted on every request, so that hammering one
	// address from many machines, or many addresses from one, is slowed.
	okIP := s.linkIP.Allow(s.clientIP(r))
	okID := s.linkID.Allow(key)
	if !okIP || !okID {
		return &web.Error{Status: http.StatusTooManyRequests,
			Message: "Trop de demandes de lien de connexion pour cette adresse ou depuis cet ordinateur. Patientez un quart d'heure avant de réessayer."}
	}
	s.inBackground(r.Context(), func(ctx context.Context) { s.sendLink(ctx, id) })
	http.Redirect(w, r, "/connexion/envoye", http.StatusSeeOther)
	return nil
}

// inBackground runs fn apart from the request, with a bounded number at
// once; beyond it the work is dropped and logged (a flood, not people).
func (s *server) inBackground(ctx context.Context, fn func(ctx context.Context)) {
	select {
	case s.bg <- struct{}{}:
	default:
		s.log.WarnContext(ctx, "sign-in request dropped: too many in progress")
		return
	}
	s.bgWait.Add(1)
	go func() {
		defer func() { <-s.bg; s.bgWait.Done() }()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		fn(bctx)
	}()
}

// sendLink writes and sends the answer to a sign-in request, if an account
// matches.
func (s *server) sendLink(ctx context.Context, id string) {
	msgs, err := s.portal.RequestSignIn(ctx, id, s.linkURL)
	if errors.Is(err, extranet.ErrNotFound) {
		s.log.InfoContext(ctx, "sign-in requested for no account")
		return
	}
	if err != nil {
		s.log.ErrorContext(ctx, "preparing a sign-in link", "err", err)
		return
	}
	for _, msg := range msgs {
		s.send(ctx, msg)
	}
}

// send delivers a message of the portal, and logs the outcome.
func (s *server) send(ctx context.Context, msg mail.Message) {
	if err := s.cfg.Sender.Send(ctx, msg); err != nil {
		s.log.ErrorContext(ctx, "sending a portal e-mail", "message", msg.ID, "err", err)
		return
	}
	s.log.InfoContext(ctx, "portal e-mail sent", "message", msg.ID, "subject", msg.Subject)
}

func (s *server) linkURL(token string) string {
	return s.baseURL + "connexion/lien?" + url.Values{"jeton": {token}}.Encode()
}

func (s *server) linkSent(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "signin_sent", "Lien envoyé", &simplePage{chrome: s.chromeFor(r, "connexion")})
}

// linkPage is the data of the page a sign-in link opens.
type linkPage struct {
	chrome
	Token string
	Error string
	Join  *extranet.SignInLink // a link that joins two addresses, or nil
}

// linkPage asks for a click before using the link: mail scanners and link
// previews open links on their own, and must not spend them.
func (s *server) linkPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("jeton")
	open, err := s.portal.LinkOpen(r.Context(), token)
	if err != nil {
		return err
	}
	data := &linkPage{chrome: s.chromeFor(r, "connexion")}
	if !open {
		data.Error = frtext.Sentence(extranet.ErrLinkInvalid.Error())
		return s.render(w, r, http.StatusGone, "link", "Lien de connexion", data)
	}
	data.Token = token
	if join, ok, err := s.portal.JoinLink(r.Context(), token); err != nil {
		return err
	} else if ok {
		data.Join = &join
	}
	return s.render(w, r, http.StatusOK, "link", "Lien de connexion", data)
}

func (s *server) useLink(w http.ResponseWriter, r *http.Request) error {
	if !s.useIP.Allow(s.clientIP(r)) {
		return &web.Error{Status: http.StatusTooManyRequests}
	}
	acc, err := s.portal.SignIn(r.Context(), r.PostFormValue("jeton"))
	switch {
	case errors.Is(err, extranet.ErrLinkInvalid):
		return s.render(w, r, http.StatusGone, "link", "Lien de connexion",
			&linkPage{chrome: s.chromeFor(r, "connexion"), Error: frtext.Sentence(extranet.ErrLinkInvalid.Error())})
	case errors.Is(err, extranet.ErrNoAccess), errors.Is(err, extranet.ErrScopeClosed):
		web.AddFlash(w, r, web.FlashWarning, frtext.Sentence(rootMessage(err)))
		http.Redirect(w, r, "/connexion", http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	name := frtext.FormatName(acc.Person.LastName, acc.Person.FirstName)
	data := map[string]string{"name": name, "login": acc.Account.Login, "email": acc.Email}
	if _, err := s.staff.Start(w, r, acc.Account.ID, web.KindStaff, data); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "staff signed in", "login", acc.Account.Login)
	web.AddFlash(w, r, web.FlashSuccess, "Bienvenue, "+name+".")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.staff.End(w, r); err != nil {
		return err
	}
	web.AddFlash(w, r, web.FlashInfo, "Vous êtes déconnecté.")
	http.Redirect(w, r, "/connexion", http.StatusSeeOther)
	return nil
}
