package schoolui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"passerelle/school"
	"passerelle/transfer"
	"passerelle/web"
)

const (
	msgSettingsSaved   = "Paramètres enregistrés."
	msgConsentRequired = "Cochez la case de consentement pour activer le transfert automatique."
)

// maxTokenLen bounds the token field: the extranet's tokens are 43
// characters; a pasted paragraph is a mistake.
const maxTokenLen = 512

type dayOption struct {
	Value   int
	Label   string
	Checked bool
}

type settingsView struct {
	base
	URL       string
	HasToken  bool
	Auto      bool
	ConsentBy string
	ConsentAt time.Time
	Enabled   bool      // on, with the consent recorded
	NextRun   time.Time // when Enabled
	Days      []dayOption
	Hours     []option
	Errors    map[string]string
	ErrorList []fieldError
}

// weekDays are the days in the order of a Belgian calendar, Monday first.
var weekDays = []struct {
	day   time.Weekday
	label string
}{
	{time.Monday, "lundi"}, {time.Tuesday, "mardi"}, {time.Wednesday, "mercredi"}, {time.Thursday, "jeudi"},
	{time.Friday, "vendredi"}, {time.Saturday, "samedi"}, {time.Sunday, "dimanche"},
}

func (s *server) settingsView(r *http.Request, set school.Settings, days []time.Weekday, hour int) settingsView {
	v := settingsView{
		base: s.base(r), URL: set.ExtranetURL, HasToken: set.Token != "", Auto: set.Auto,
		ConsentBy: set.AutoConsentBy, ConsentAt: set.AutoConsentAt, Enabled: transfer.AutoEnabled(set),
	}
	if v.Enabled {
		v.NextRun = transfer.NextRun(set, s.now())
	}
	for _, d := range weekDays {
		v.Days = append(v.Days, dayOption{int(d.day), d.label, slices.Contains(days, d.day)})
	}
	for h := range 24 {
		v.Hours = append(v.Hours, option{Value: strconv.Itoa(h), Label: strconv.Itoa(h) + " h", Selected: h == hour})
	}
	return v
}

func (s *server) showSettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.store.Settings(r.Context(), s.fase)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return err
	}
	return s.render(w, r, http.StatusOK, "settings", "Paramètres extranet",
		s.settingsView(r, set, transfer.AutoDays(set), transfer.AutoHour(set)))
}

// saveSettings stores the extranet's address, the token (only when a new
// one is typed: it is never shown back) and the automatic transfer, whose
// activation needs the direction's explicit consent, recorded with who gave
// it and when.
func (s *server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return &web.Error{Status: http.StatusBadRequest, Err: err}
	}
	old, err := s.store.Settings(ctx, s.fase)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return err
	}
	set := old
	set.FASE = s.fase
	errs := map[string]string{}
	readConnection(r, &set, errs)
	days, ok := formDays(r.PostForm["jours"])
	if !ok {
		return &web.Error{Status: http.StatusBadRequest, Message: "Jour inconnu. Rechargez la page et recommencez."}
	}
	auto, hour := s.readSchedule(r, &set, old, days, errs)
	if len(errs) > 0 {
		return s.renderSettingsErrors(w, r, set, old, auto, days, hour, errs)
	}
	if err := s.store.SaveSettings(ctx, set); err != nil {
		return err
	}
	s.log.Info("extranet settings saved", "by", userFrom(ctx).Login, "auto", set.Auto, "tokenChanged", set.Token != old.Token)
	web.AddFlash(w, r, web.FlashSuccess, msgSettingsSaved)
	return seeOther(w, r, "/parametres")
}

// readConnection reads the extranet's address and token into set, and
// their problems into errs. An empty token keeps the one saved, unless the
// form asks to erase it.
func readConnection(r *http.Request, set *school.Settings, errs map[string]string) {
	set.ExtranetURL = strings.TrimSpace(r.PostFormValue("url"))
	if set.ExtranetURL != "" {
		u, err := url.Parse(set.ExtranetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs["url"] = "Adresse invalide : écrivez-la sous la forme https://extranet.exemple.be."
		}
	}
	token := strings.TrimSpace(r.PostFormValue("jeton"))
	switch {
	case token != "" && (len(token) > maxTokenLen || strings.ContainsAny(token, " \t\r\n")):
		errs["jeton"] = "Jeton illisible : copiez-le tel que l'extranet l'a donné, sans espace."
	case token != "":
		set.Token = token
	case r.PostFormValue("effacer_jeton") != "":
		set.Token = ""
	}
}

// formDays returns the weekdays of the form's values, each once, in their
// order; false if one is not a weekday, which only a forged form sends.
func formDays(values []string) ([]time.Weekday, bool) {
	var days []time.Weekday
	for _, v := range values {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 6 {
			return nil, false
		}
		if !slices.Contains(days, time.Weekday(n)) {
			days = append(days, time.Weekday(n))
		}
	}
	return days, true
}

// readSchedule reads the automatic transfer's days, hour and consent into
// set, and their problems into errs; it returns whether the form turns it
// on, and the hour to show. Turning it off withdraws the consent: turning it
// on again asks for it again.
func (s *server) readSchedule(r *http.Request, set *school.Settings, old school.Settings, days []time.Weekday, errs map[string]string) (bool, int) {
	hour, err := strconv.Atoi(r.PostFormValue("heure"))
	if err != nil || hour < 0 || hour > 23 {
		errs["heure"] = "Heure invalide : choisissez une heure de 0 à 23."
		hour = transfer.AutoHour(old)
	}
	auto := r.PostFormValue("auto") != ""
	if auto && len(days) == 0 {
		errs["jours"] = "Choisissez au moins un jour pour le transfert automatique."
	}
	switch {
	case !auto:
		set.Auto, set.AutoConsentBy, set.AutoConsentAt = false, "", time.Time{}
	case transfer.AutoEnabled(old):
		set.Auto = true
	case r.PostFormValue("accord") != "oui":
		errs["accord"] = msgConsentRequired
	default:
		set.Auto, set.AutoConsentBy, set.AutoConsentAt = true, userName(userFrom(r.Context())), s.now()
	}
	set.AutoDays, set.AutoHour = days, hour
	if len(days) == 0 {
		set.AutoDays = nil
	}
	return auto, hour
}

// renderSettingsErrors shows the form again with its errors, as typed,
// except the token: the saved one stands until a valid one is saved.
func (s *server) renderSettingsErrors(w http.ResponseWriter, r *http.Request, set, old school.Settings, auto bool, days []time.Weekday, hour int, errs map[string]string) error {
	shown := set
	shown.Auto = auto
	shown.Token = old.Token
	v := s.settingsView(r, shown, days, hour)
	v.Errors = errs
	for _, k := range []string{"url", "jeton", "auto", "accord", "jours", "heure"} {
		if msg, ok := errs[k]; ok {
			v.ErrorList = append(v.ErrorList, fieldError{ID: "p-" + k, Message: msg})
		}
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "settings", "Erreurs – Paramètres extranet", v)
}
