package schoolui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"passerelle/school"
	"passerelle/web"
)

// Messages of the sign-in page.
const (
	msgSignInMissing   = "Indiquez votre identifiant et votre mot de passe."
	msgSignInWrong     = "Identifiant ou mot de passe incorrect. Vérifiez-les et réessayez."
	msgSignInThrottled = "Trop de tentatives de connexion depuis cet ordinateur. Patientez un quart d'heure avant de réessayer, ou demandez à la direction de vérifier votre identifiant."
	msgSignedOut       = "Vous êtes déconnecté."
)

type signInView struct {
	Login string
	Next  string
	Error string
}

func (s *server) showSignIn(w http.ResponseWriter, r *http.Request) error {
	next := web.SafeNext(r.URL.Query().Get("next"), "/")
	if sess, ok := s.sessions.Load(r); ok && sess.Kind == web.KindSchool {
		return seeOther(w, r, next)
	}
	return s.render(w, r, http.StatusOK, "signin", "Connexion", signInView{Next: next})
}

// clientIP is the address a request comes from, through the proxy when
// Config.TrustProxy says so.
func (s *server) clientIP(r *http.Request) string { return web.ClientIPFrom(r, s.trustProxy) }

func (s *server) signIn(w http.ResponseWriter, r *http.Request) error {
	login := strings.TrimSpace(r.PostFormValue("identifiant"))
	password := r.PostFormValue("mot_de_passe")
	view := signInView{Login: login, Next: web.SafeNext(r.PostFormValue("next"), "/")}
	if login == "" || password == "" {
		view.Error = msgSignInMissing
		return s.render(w, r, http.StatusUnprocessableEntity, "signin", "Connexion", view)
	}
	// What is logged and kept as a key is capped: a login of megabytes
	// costs a line of a hundred bytes. The address is limited; the login
	// only slowed down from that address, so that failing on purpose does
	// not lock its owner out.
	loginKey := strings.ToLower(web.Capped(login))
	ip := s.clientIP(r)
	key := web.BackoffKey(login, ip)
	if d := s.passWait.Wait(key); d > 0 {
		s.log.Warn("sign-in throttled", "login", loginKey, "ip", ip)
		view.Login, view.Error = web.Capped(login), web.WaitMessage(d)
		return s.render(w, r, http.StatusTooManyRequests, "signin", "Connexion", view)
	}
	if !s.ipLim.Allow(ip) {
		s.log.Warn("sign-in throttled", "login", loginKey, "ip", ip)
		view.Login, view.Error = web.Capped(login), msgSignInThrottled
		return s.render(w, r, http.StatusTooManyRequests, "signin", "Connexion", view)
	}
	u, err := s.store.UserByLogin(r.Context(), login)
	hash := ""
	switch {
	case err == nil:
		hash = u.PasswordHash
	case !errors.Is(err, school.ErrNotFound):
		return err
	}
	// CheckPassword spends the same time for an unknown login, so the
	// answer does not tell which logins exist.
	if !web.CheckPassword(hash, password) {
		s.passWait.Fail(key)
		s.log.Info("sign-in refused", "login", loginKey, "ip", ip)
		view.Login = web.Capped(login)
		view.Error = msgSignInWrong
		return s.render(w, r, http.StatusUnauthorized, "signin", "Connexion", view)
	}
	s.passWait.Reset(key)
	if _, err := s.sessions.Start(w, r, strconv.FormatInt(u.ID, 10), web.KindSchool, map[string]string{"name": userName(&u)}); err != nil {
		return err
	}
	s.log.Info("signed in", "login", u.Login)
	return seeOther(w, r, view.Next)
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.End(w, r); err != nil {
		return err
	}
	web.AddFlash(w, r, web.FlashInfo, msgSignedOut)
	return seeOther(w, r, "/connexion")
}
