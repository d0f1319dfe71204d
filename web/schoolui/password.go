package schoolui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"passerelle/web"
)

// Messages of « Mon mot de passe ».
const (
	msgPasswordChanged = "Mot de passe modifié."
	msgCurrentMissing  = "Indiquez votre mot de passe actuel."
	msgCurrentWrong    = "Mot de passe actuel incorrect. Vérifiez-le et réessayez."
	msgPasswordsDiffer = "Les deux nouveaux mots de passe diffèrent : tapez le même deux fois."
)

// endSessions ends every session of a user. The store's SetPassword and
// DeleteUser end those kept in the school database; a session store given
// apart (Config.Sessions) is emptied here.
func (s *server) endSessions(ctx context.Context, userID int64) error {
	return s.sessions.Store.DeleteUserSessions(ctx, strconv.FormatInt(userID, 10))
}

type passwordView struct {
	base
	Errors    map[string]string
	ErrorList []fieldError
}

func (s *server) showPassword(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "password", "Mon mot de passe", passwordView{base: s.base(r)})
}

// changePassword replaces the signed-in user's password once the current
// one is checked. SetPassword ends every session of the user, this one
// included, so the user is signed in again in a new session, with a new
// CSRF token: whoever held the old session or password is shut out.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := userFrom(ctx)
	current := r.PostFormValue("actuel")
	next := r.PostFormValue("nouveau")
	again := r.PostFormValue("confirmation")
	errs := map[string]string{}
	status := http.StatusUnprocessableEntity

	// Checking the current password is a guess like a sign-in: it counts
	// on the same back-off of the login from this address, so a session
	// left open does not allow unlimited guesses.
	loginKey := strings.ToLower(u.Login)
	key := web.BackoffKey(u.Login, s.clientIP(r))
	wait := s.passWait.Wait(key)
	switch {
	case current == "":
		errs["actuel"] = msgCurrentMissing
	case wait > 0:
		s.log.Warn("password change throttled", "login", loginKey, "ip", s.clientIP(r))
		errs["actuel"] = web.WaitMessage(wait)
		status = http.StatusTooManyRequests
	case !web.CheckPassword(u.PasswordHash, current):
		s.passWait.Fail(key)
		s.log.Info("password change refused: wrong current password", "login", loginKey, "ip", s.clientIP(r))
		errs["actuel"] = msgCurrentWrong
	default:
		s.passWait.Reset(key)
	}
	if err := checkNewPassword(errs, next, again, "nouveau", "confirmation"); err != nil {
		return err
	}

	if len(errs) > 0 {
		v := passwordView{base: s.base(r), Errors: errs}
		for _, k := range []string{"actuel", "nouveau", "confirmation"} {
			if msg, ok := errs[k]; ok {
				v.ErrorList = append(v.ErrorList, fieldError{ID: "mdp-" + k, Message: msg})
			}
		}
		return s.render(w, r, status, "password", "Erreurs – Mon mot de passe", v)
	}

	hash, err := web.HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	if err := s.endSessions(ctx, u.ID); err != nil {
		return err
	}
	s.log.Info("password changed", "login", u.Login)
	if _, err := s.sessions.Start(w, r, strconv.FormatInt(u.ID, 10), web.KindSchool, map[string]string{"name": userName(u)}); err != nil {
		return err
	}
	web.AddFlash(w, r, web.FlashSuccess, msgPasswordChanged)
	return seeOther(w, r, "/mot-de-passe")
}
