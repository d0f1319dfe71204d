package portal

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/web"
)

// operatorSignInPage is the data of the console's sign-in form.
type operatorSignInPage struct {
	chrome
	Login string
	Next  string
	Error string
}

func (s *server) operatorSignInForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "console/signin", "Connexion à la console", &operatorSignInPage{
		chrome: s.chromeFor(r, ""), Next: web.SafeNext(r.URL.Query().Get("next"), "/console/"),
	})
}

// operatorSignIn checks an operator's password. Unknown logins cost the time
// of a real check (web.CheckPassword), and the message is the same, so that
// neither tells which logins exist; both the address and the login are
// throttled.
func (s *server) operatorSignIn(w http.ResponseWriter, r *http.Request) error {
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("identifiant")))
	password := r.PostFormValue("mot_de_passe")
	next := web.SafeNext(r.PostFormValue("next"), "/console/")
	if len(login) > 64 {
		login = web.Capped(login[:64])
	}
	// The address is limited; the login only slowed down for this
	// address, so that nobody can lock an operator out by failing on purpose.
	key := web.BackoffKey(login, s.clientIP(r))
	if d := s.opWait.Wait(key); d > 0 {
		return &web.Error{Status: http.StatusTooManyRequests, Message: web.WaitMessage(d)}
	}
	if !s.opIP.Allow(s.clientIP(r)) {
		return &web.Error{Status: http.StatusTooManyRequests,
			Message: "Trop de tentatives de connexion depuis cet ordinateur. Patientez un quart d'heure avant de réessayer."}
	}
	op, err := s.cfg.Store.OperatorByLogin(r.Context(), login)
	if err != nil && !errors.Is(err, extranet.ErrNotFound) {
		return err
	}
	if !web.CheckPassword(op.PasswordHash, password) || login == "" {
		s.opWait.Fail(key)
		if err := s.portal.Audit(r.Context(), "ip:"+s.clientIP(r), extranet.AuditOperatorSignInFailed, 0, map[string]string{"login": login}); err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnauthorized, "console/signin", "Connexion à la console", &operatorSignInPage{
			chrome: s.chromeFor(r, ""), Login: login, Next: next,
			Error: "Identifiant ou mot de passe incorrect.",
		})
	}
	s.opWait.Reset(key)
	if _, err := s.ops.Start(w, r, op.ID, web.KindOperator, map[string]string{"name": op.Name, "login": op.Login}); err != nil {
		return err
	}
	if err := s.portal.Audit(r.Context(), op.Actor(), extranet.AuditOperatorSignIn, 0, map[string]string{"ip": s.clientIP(r)}); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *server) operatorSignOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.ops.End(w, r); err != nil {
		return err
	}
	web.AddFlash(w, r, web.FlashInfo, "Vous êtes déconnecté de la console.")
	http.Redirect(w, r, "/console/connexion", http.StatusSeeOther)
	return nil
}

// dashboardData is the console's home: what waits for a decision.
type dashboardData struct {
	chrome
	SchoolCount int
	Held        int
	Rejections  int
	LastNight   *extranet.NightReport
	// Carried counts the accesses of the ended school year carried over,
	// at CarriedSchools schools, until Deadline (the rentrée).
	Carried        int
	CarriedSchools int
	Deadline       time.Time
	Transfers      []extranet.TransferRecord
	Schools        map[int]string
}

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := &dashboardData{chrome: s.chromeFor(r, "tableau")}
	schools, err := s.cfg.Store.Schools(ctx)
	if err != nil {
		return err
	}
	d.SchoolCount = len(schools)
	held, err := s.cfg.Store.Transfers(ctx, extranet.TransferFilter{OpenHeld: true, Limit: 1000})
	if err != nil {
		return err
	}
	d.Held = len(held)
	rej, err := s.cfg.Store.Rejections(ctx, extranet.RejectionFilter{OpenOnly: true, Limit: 1000})
	if err != nil {
		return err
	}
	d.Rejections = len(rej)
	nights, err := s.cfg.Service.NightReports(ctx, 1)
	if err != nil {
		return err
	}
	if len(nights) > 0 {
		d.LastNight = &nights[0]
	}
	carried, deadline, err := s.cfg.Service.Carried(ctx, 0)
	if err != nil {
		return err
	}
	for _, c := range carried {
		d.Carried += c.Grants
		d.CarriedSchools++
	}
	d.Deadline = deadline
	if d.Transfers, err = s.cfg.Store.Transfers(ctx, extranet.TransferFilter{Limit: 10}); err != nil {
		return err
	}
	d.Schools = make(map[int]string, len(schools))
	for _, sc := range schools {
		d.Schools[sc.FASE] = sc.Name
	}
	return s.render(w, r, http.StatusOK, "console/dashboard", "Tableau de bord", d)
}
