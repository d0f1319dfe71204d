package schoolui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/web"
)

// Messages of « Utilisateurs ».
const (
	msgOnlyDirectionUsers = "Seule la direction peut gérer les utilisateurs. Demandez-le à votre directeur ou directrice."
	msgUserNotFound       = "Cet utilisateur n'existe plus. Retournez à la liste des utilisateurs."
	msgLoginMissing       = "Indiquez un identifiant, par exemple « secretariat »."
	msgLoginSpaces        = "L'identifiant ne peut contenir ni espace ni caractère invisible : écrivez-le d'un seul mot, par exemple « sophie.dubois »."
	msgUserNameMissing    = "Indiquez le nom de l'utilisateur, par exemple « Sophie Dubois »."
	msgRoleMissing        = "Choisissez un rôle : Direction ou Secrétariat."
	msgOwnPassword        = "Pour changer votre propre mot de passe, passez par « Mon mot de passe »."
	msgDeleteSelf         = "Vous ne pouvez pas supprimer votre propre compte. Demandez-le à une autre personne de la direction."
)

// Lengths beyond which a login or a name is a mistake (a pasted paragraph).
const (
	maxLoginLen    = 64  // characters
	maxUserNameLen = 100 // characters
)

// Values of the « Rôle » field.
const (
	roleDirection   = "direction"
	roleSecretariat = "secretariat"
)

// isDirection reports whether the page's data is of a signed-in direction
// user; the layout shows the link to « Utilisateurs » with it. Pages whose
// data has no user (the error page) give false.
func isDirection(data any) bool {
	v, ok := data.(interface{ currentUser() *school.User })
	return ok && v.currentUser() != nil && v.currentUser().Direction
}

func (b base) currentUser() *school.User { return b.User }

// checkNewPassword puts in errs, under nextKey and againKey, what is wrong
// with a new password typed twice: the rules of « Mon mot de passe »
// (web.ValidatePassword) and the two typings that differ.
func checkNewPassword(errs map[string]string, next, again, nextKey, againKey string) error {
	if err := web.ValidatePassword(next); err != nil {
		var we *web.Error
		if !errors.As(err, &we) {
			return err
		}
		errs[nextKey] = we.Message
	}
	if next != again {
		errs[againKey] = msgPasswordsDiffer
	}
	return nil
}

// errorList is the summary of a form's errors, in the form's order; the ID
// of each is prefix+key, the id of its field.
func errorList(errs map[string]string, prefix string, keys ...string) []fieldError {
	var out []fieldError
	for _, k := range keys {
		if msg, ok := errs[k]; ok {
			out = append(out, fieldError{ID: prefix + k, Message: msg})
		}
	}
	return out
}

// roleLabel is how a user's right is shown.
func roleLabel(direction bool) string {
	if direction {
		return "Direction"
	}
	return "Secrétariat"
}

// createdDate is the day a user was created, dd/mm/yyyy in Brussels.
func createdDate(u school.User) string {
	if u.Created.IsZero() {
		return ""
	}
	return u.Created.In(frtext.Brussels).Format("02/01/2006")
}

type userRow struct {
	ID      int64
	Login   string
	Name    string
	Role    string
	Created string // dd/mm/yyyy, Brussels
	Me      bool
}

type usersView struct {
	base
	Users []userRow
}

// users lists the users by login.
func (s *server) users(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	me := userFrom(r.Context())
	v := usersView{base: s.base(r)}
	for _, u := range list {
		v.Users = append(v.Users, userRow{ID: u.ID, Login: u.Login, Name: u.Name, Role: roleLabel(u.Direction), Created: createdDate(u), Me: u.ID == me.ID})
	}
	return s.render(w, r, http.StatusOK, "users", "Utilisateurs", v)
}

// userForm is the add and edit forms: what was typed (never a password)
// and the errors by field.
type userForm struct {
	Login     string
	Name      string
	Role      string // roleDirection, roleSecretariat or "" (not chosen)
	Errors    map[string]string
	ErrorList []fieldError
}

func (s *server) showNewUser(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "user", "Ajouter un utilisateur", userView{base: s.base(r), New: true})
}

// readNameRole reads and checks the name and role fields into f.
func readNameRole(r *http.Request, f *userForm) {
	f.Name = strings.TrimSpace(r.PostFormValue("nom"))
	switch {
	case f.Name == "":
		f.Errors["nom"] = msgUserNameMissing
	case utf8.RuneCountInString(f.Name) > maxUserNameLen:
		f.Errors["nom"] = fmt.Sprintf("Le nom est trop long : %d caractères au plus.", maxUserNameLen)
	}
	switch f.Role = r.PostFormValue("role"); f.Role {
	case roleDirection, roleSecretariat:
	default:
		f.Role = ""
		f.Errors["role"] = msgRoleMissing
	}
}

// createUser adds a user with a first password, typed twice. Nothing is
// saved while a field is wrong.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := userFrom(ctx)
	f := userForm{Errors: map[string]string{}}
	f.Login = strings.ToLower(strings.TrimSpace(r.PostFormValue("identifiant")))
	switch {
	case f.Login == "":
		f.Errors["identifiant"] = msgLoginMissing
	case strings.IndexFunc(f.Login, func(c rune) bool { return unicode.IsSpace(c) || !unicode.IsPrint(c) }) >= 0:
		f.Errors["identifiant"] = msgLoginSpaces
	case utf8.RuneCountInString(f.Login) > maxLoginLen:
		f.Errors["identifiant"] = fmt.Sprintf("L'identifiant est trop long : %d caractères au plus.", maxLoginLen)
	}
	readNameRole(r, &f)
	next := r.PostFormValue("nouveau")
	if err := checkNewPassword(f.Errors, next, r.PostFormValue("confirmation"), "nouveau", "confirmation"); err != nil {
		return err
	}
	if len(f.Errors) == 0 {
		hash, err := web.HashPassword(next)
		if err != nil {
			return err
		}
		u, err := s.store.CreateUser(ctx, school.User{Login: f.Login, Name: f.Name, PasswordHash: hash, Direction: f.Role == roleDirection})
		switch {
		case errors.Is(err, school.ErrLoginTaken):
			f.Errors["identifiant"] = fmt.Sprintf("L'identifiant « %s » est déjà utilisé : choisissez-en un autre.", f.Login)
		case err != nil:
			return err
		default:
			s.log.Info("user created", "by", me.Login, "login", u.Login, "direction", u.Direction)
			web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Utilisateur « %s » ajouté. Communiquez-lui son identifiant et son mot de passe ; il pourra le changer dans « Mon mot de passe ».", u.Login))
			return seeOther(w, r, "/utilisateurs")
		}
	}
	f.ErrorList = errorList(f.Errors, "u-", "identifiant", "nom", "role", "nouveau", "confirmation")
	return s.render(w, r, http.StatusUnprocessableEntity, "user", "Erreurs – Ajouter un utilisateur", userView{base: s.base(r), New: true, Form: f})
}

// userView is « Ajouter un utilisateur » (New) or the page of one user.
type userView struct {
	base
	New     bool
	Target  school.User
	Created string // dd/mm/yyyy, Brussels
	Me      bool   // the target is the signed-in user
	Form    userForm
	// Password holds the errors of the password reset form.
	Password userForm
	// Error is a refusal of the whole change (the last direction user).
	Error string
}

// targetUser reads the user of the path.
func (s *server) targetUser(r *http.Request) (school.User, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return school.User{}, notFound(msgUserNotFound)
	}
	u, err := s.store.UserByID(r.Context(), id)
	if errors.Is(err, school.ErrNotFound) {
		return school.User{}, notFound(msgUserNotFound)
	}
	return u, err
}

func (s *server) userView(r *http.Request, u school.User) userView {
	v := userView{base: s.base(r), Target: u, Created: createdDate(u), Me: u.ID == userFrom(r.Context()).ID}
	v.Form = userForm{Login: u.Login, Name: u.Name, Role: roleSecretariat}
	if u.Direction {
		v.Form.Role = roleDirection
	}
	return v
}

func userTitle(u school.User) string { return "Utilisateur " + u.Login }

func (s *server) showUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "user", userTitle(u), s.userView(r, u))
}

// updateUser changes a user's name and role. The store refuses to take the
// direction right from the last user who has it.
func (s *server) updateUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := userFrom(ctx)
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	v := s.userView(r, u)
	v.Form = userForm{Login: u.Login, Errors: map[string]string{}}
	readNameRole(r, &v.Form)
	if len(v.Form.Errors) > 0 {
		v.Form.ErrorList = errorList(v.Form.Errors, "u-", "nom", "role")
		return s.render(w, r, http.StatusUnprocessableEntity, "user", "Erreurs – "+userTitle(u), v)
	}
	changed := u
	changed.Name, changed.Direction = v.Form.Name, v.Form.Role == roleDirection
	err = s.store.UpdateUser(ctx, changed)
	switch {
	case errors.Is(err, school.ErrLastDirection):
		v.Error = frtext.Sentence(school.ErrLastDirection.Error())
		return s.render(w, r, http.StatusConflict, "user", "Erreurs – "+userTitle(u), v)
	case errors.Is(err, school.ErrNotFound):
		return notFound(msgUserNotFound)
	case err != nil:
		return err
	}
	s.log.Info("user updated", "by", me.Login, "login", u.Login, "direction", changed.Direction, "wasDirection", u.Direction)
	web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Utilisateur « %s » modifié.", u.Login))
	if u.ID == me.ID && !changed.Direction {
		// The user just gave up the right to this page.
		return seeOther(w, r, "/")
	}
	return seeOther(w, r, "/utilisateurs")
}

// resetPassword gives another user a new password, typed twice by the
// director. SetPassword ends every session of that user.
func (s *server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := userFrom(ctx)
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	if u.ID == me.ID {
		return &web.Error{Status: http.StatusConflict, Message: msgOwnPassword}
	}
	v := s.userView(r, u)
	v.Password.Errors = map[string]string{}
	next := r.PostFormValue("nouveau")
	if err := checkNewPassword(v.Password.Errors, next, r.PostFormValue("confirmation"), "nouveau", "confirmation"); err != nil {
		return err
	}
	if len(v.Password.Errors) > 0 {
		v.Password.ErrorList = errorList(v.Password.Errors, "u-", "nouveau", "confirmation")
		return s.render(w, r, http.StatusUnprocessableEntity, "user", "Erreurs – "+userTitle(u), v)
	}
	hash, err := web.HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, u.ID, hash); err != nil {
		if errors.Is(err, school.ErrNotFound) {
			return notFound(msgUserNotFound)
		}
		return err
	}
	if err := s.endSessions(ctx, u.ID); err != nil {
		return err
	}
	s.log.Info("user password reset", "by", me.Login, "login", u.Login)
	web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Mot de passe de « %s » remplacé. Ses sessions ouvertes sont fermées ; communiquez-lui le nouveau mot de passe.", u.Login))
	return seeOther(w, r, "/utilisateurs")
}

type deleteUserView struct {
	base
	Target school.User
	Role   string
	Error  string
}

func (s *server) confirmDeleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	if u.ID == userFrom(r.Context()).ID {
		return &web.Error{Status: http.StatusConflict, Message: msgDeleteSelf}
	}
	return s.render(w, r, http.StatusOK, "user_delete", "Supprimer l'utilisateur "+u.Login,
		deleteUserView{base: s.base(r), Target: u, Role: roleLabel(u.Direction)})
}

// deleteUser removes a user with their sessions and preferences; the user
// is signed out at their next request.
func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := userFrom(ctx)
	u, err := s.targetUser(r)
	if err != nil {
		return err
	}
	if u.ID == me.ID {
		return &web.Error{Status: http.StatusConflict, Message: msgDeleteSelf}
	}
	err = s.store.DeleteUser(ctx, u.ID)
	switch {
	case errors.Is(err, school.ErrLastDirection):
		return s.render(w, r, http.StatusConflict, "user_delete", "Supprimer l'utilisateur "+u.Login,
			deleteUserView{base: s.base(r), Target: u, Role: roleLabel(u.Direction), Error: frtext.Sentence(school.ErrLastDirection.Error())})
	case errors.Is(err, school.ErrNotFound):
		return notFound(msgUserNotFound)
	case err != nil:
		return err
	}
	if err := s.endSessions(ctx, u.ID); err != nil {
		return err
	}
	s.log.Info("user deleted", "by", me.Login, "login", u.Login)
	web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Utilisateur « %s » supprimé.", u.Login))
	return seeOther(w, r, "/utilisateurs")
}
