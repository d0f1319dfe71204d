package schoolui_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/school"
	"passerelle/web"
	"reflect"
	"slices"
)

const msgOnlyDirectionUsers = "Seule la direction peut gérer les utilisateurs."

func userForm(login, name, role, pw, again string) url.Values {
	return url.Values{"identifiant": {login}, "nom": {name}, "role": {role}, "nouveau": {pw}, "confirmation": {again}}
}

// user reads a user of the store; ok is false when there is none.
func (e *env) user(login string) (school.User, bool) {
	e.t.Helper()
	u, err := e.st.UserByLogin(context.Background(), login)
	if errors.Is(err, school.ErrNotFound) {
		return u, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return u, true
}

func (e *env) userID(login string) string {
	e.t.Helper()
	u, ok := e.user(login)
	if !ok {
		e.t.Fatalf("no user %q", login)
	}
	return itoa(u.ID)
}

// addUser creates a user in the store with the test password.
func (e *env) addUser(login, name string, direction bool) {
	e.t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUser(context.Background(), school.User{Login: login, Name: name, PasswordHash: hash, Direction: direction}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) userCount() int {
	e.t.Helper()
	us, err := e.st.Users(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return len(us)
}

// signedOut reports whether a client's session is ended: its next request
// goes to « Connexion ».
func signedOut(c *client) bool {
	res := c.get("/")
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/connexion")
}

func TestUsersForbiddenToSecretariat(t *testing.T) {
	e := newEnv(t, envOptions{})
	sec := e.signedIn("secretariat")
	dirID := e.userID("direction")
	secID := e.userID("secretariat")

	if list := sec.get("/"); slices.Contains(hrefs(t, list.body, "header"), "/utilisateurs") {
		t.Errorf("the secretariat's header links to « Utilisateurs »")
	}
	for _, path := range []string{"/utilisateurs", "/utilisateurs/nouveau", "/utilisateurs/" + dirID, "/utilisateurs/" + secID, "/utilisateurs/" + dirID + "/supprimer"} {
		res := sec.get(path)
		if res.StatusCode != http.StatusForbidden || !has(t, res.body, msgOnlyDirectionUsers) {
			t.Errorf("GET %s: status %d, want 403 with %q", path, res.StatusCode, msgOnlyDirectionUsers)
		}
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/utilisateurs/nouveau", userForm("intrus", "Intrus", "direction", newPassword, newPassword)},
		{"/utilisateurs/" + secID, url.Values{"nom": {"Sophie"}, "role": {"direction"}}},
		{"/utilisateurs/" + dirID, url.Values{"nom": {"Personne"}, "role": {"secretariat"}}},
		{"/utilisateurs/" + dirID + "/mot-de-passe", url.Values{"nouveau": {newPassword}, "confirmation": {newPassword}}},
		{"/utilisateurs/" + dirID + "/supprimer", nil},
	} {
		res := sec.post(tc.path, tc.form)
		if res.StatusCode != http.StatusForbidden || !has(t, res.body, msgOnlyDirectionUsers) {
			t.Errorf("POST %s: status %d, want 403", tc.path, res.StatusCode)
		}
	}
	if n := e.userCount(); n != 2 {
		t.Errorf("%d users after the refused requests, want 2", n)
	}
	if u, _ := e.user("direction"); !u.Direction || u.Name != "Rémy Milord" {
		t.Errorf("the director was changed: %+v", u)
	}
	if u, _ := e.user("secretariat"); u.Direction {
		t.Errorf("the secretariat user gave themselves the direction right")
	}
	if res := e.client().signIn("direction", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the director's password was changed: status %d", res.StatusCode)
	}
	// The settings keep their own message.
	if res := sec.get("/parametres"); res.StatusCode != http.StatusForbidden || !has(t, res.body, "Seule la direction peut modifier les paramètres de l'extranet.") {
		t.Errorf("GET /parametres: status %d, lost its message", res.StatusCode)
	}
}

func TestUsersList(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.addUser("adjoint", "Alice Adjointe", true)
	d := e.signedIn("direction")

	if list := d.get("/"); doc(t, list.body).One("header").Link("Utilisateurs").Attr("href") != "/utilisateurs" {
		t.Errorf("the director's header lacks the link to « Utilisateurs »")
	}
	if set := d.get("/parametres"); !slices.Contains(hrefs(t, set.body, "main"), "/utilisateurs") {
		t.Errorf("the settings page lacks the link to « Utilisateurs »")
	}
	res := d.get("/utilisateurs")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /utilisateurs: status %d", res.StatusCode)
	}
	page := doc(t, res.body)
	if got := page.One("h1").Text(); got != "Utilisateurs" {
		t.Errorf("heading %q", got)
	}
	if got := page.Texts("table.users thead th"); !reflect.DeepEqual(got, []string{"Identifiant", "Nom", "Rôle", "Créé le", "Actions"}) {
		t.Errorf("column headers %q", got)
	}
	if !slices.Contains(hrefs(t, res.body, "main"), "/utilisateurs/nouveau") {
		t.Error("no link to add a user")
	}
	want := [][]string{
		{"adjoint", "Alice Adjointe", "Direction", "26/11/2026", "Modifier · Supprimer"},
		{"direction vous", "Rémy Milord", "Direction", "26/11/2026", "Modifier"},
		{"secretariat", "Sophie Secrétaire", "Secrétariat", "26/11/2026", "Modifier · Supprimer"},
	}
	if got := page.Rows("table.users"); !reflect.DeepEqual(got, want) {
		t.Errorf("users:\n got %q\nwant %q", got, want)
	}
	for _, login := range []string{"adjoint", "direction", "secretariat"} {
		id := e.userID(login)
		links := hrefs(t, res.body, "#utilisateur-"+id)
		wantLinks := []string{"/utilisateurs/" + id, "/utilisateurs/" + id + "/supprimer"}
		if login == "direction" {
			// The signed-in user is not offered to remove themselves.
			wantLinks = wantLinks[:1]
		}
		if !reflect.DeepEqual(links, wantLinks) {
			t.Errorf("links of %s: %q, want %q", login, links, wantLinks)
		}
	}
	if res := d.get("/utilisateurs/999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: status %d, want 404", res.StatusCode)
	}
}

func TestUsersAdd(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	page := d.get("/utilisateurs/nouveau")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /utilisateurs/nouveau: status %d", page.StatusCode)
	}
	if got := doc(t, page.body).One("h1").Text(); got != "Ajouter un utilisateur" {
		t.Errorf("heading %q", got)
	}
	form := doc(t, page.body).Form("/utilisateurs/nouveau")
	form.CSRF()
	for _, sel := range []string{`input[name=identifiant]`, `input[name=nom]`, `input[type=radio][name=role][value=direction]`,
		`input[type=radio][name=role][value=secretariat]`, `input[type=password][name=nouveau][autocomplete=new-password]`,
		`input[type=password][name=confirmation][autocomplete=new-password]`} {
		if !form.Has(sel) {
			t.Errorf("the form lacks %s", sel)
		}
	}

	res := d.post("/utilisateurs/nouveau", userForm(" Sophie.Dubois ", " Sophie Dubois ", "secretariat", newPassword, newPassword))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/utilisateurs" {
		t.Fatalf("add: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	list := d.follow(res)
	if !flashed(t, list.body, "Utilisateur « sophie.dubois » ajouté.") || len(doc(t, list.body).WithText("table.users td", "Sophie Dubois")) != 1 {
		t.Errorf("the list lacks the flash or the new user")
	}
	u, ok := e.user("sophie.dubois")
	if !ok || u.Name != "Sophie Dubois" || u.Direction {
		t.Fatalf("stored user: %+v (found %v)", u, ok)
	}
	if res := e.client().signIn("sophie.dubois", newPassword); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the new user cannot sign in: status %d", res.StatusCode)
	}

	res = d.post("/utilisateurs/nouveau", userForm("adjoint", "Alice Adjointe", "direction", newPassword, newPassword))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a director: status %d", res.StatusCode)
	}
	a := e.client()
	if res := a.signIn("adjoint", newPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new director cannot sign in: status %d", res.StatusCode)
	}
	if res := a.get("/utilisateurs"); res.StatusCode != http.StatusOK {
		t.Errorf("the new director: GET /utilisateurs status %d", res.StatusCode)
	}
}

func TestUsersAddErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"login taken", userForm("direction", "Autre Personne", "secretariat", newPassword, newPassword), "u-identifiant",
			"L'identifiant « direction » est déjà utilisé : choisissez-en un autre."},
		{"login taken in capitals", userForm("Secretariat", "Autre Personne", "secretariat", newPassword, newPassword), "u-identifiant",
			"L'identifiant « secretariat » est déjà utilisé"},
		{"login missing", userForm(" ", "Autre Personne", "secretariat", newPassword, newPassword), "u-identifiant", "Indiquez un identifiant"},
		{"login with a space", userForm("sophie dubois", "Autre Personne", "secretariat", newPassword, newPassword), "u-identifiant", "ni espace"},
		{"name missing", userForm("nouvelle", "", "secretariat", newPassword, newPassword), "u-nom", "Indiquez le nom de l'utilisateur"},
		{"passwords differ", userForm("nouvelle", "Autre Personne", "secretariat", newPassword, newPassword+"x"), "u-confirmation",
			"Les deux nouveaux mots de passe diffèrent"},
		{"password too short", userForm("nouvelle", "Autre Personne", "secretariat", "court", "court"), "u-nouveau",
			"Le mot de passe doit compter au moins 10 caractères."},
		{"password too long", userForm("nouvelle", "Autre Personne", "secretariat", strings.Repeat("é", 40), strings.Repeat("é", 40)), "u-nouveau",
			"Le mot de passe est trop long"},
	} {
		res := d.post("/utilisateurs/nouveau", tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.StatusCode)
			continue
		}
		if got := fieldErr(t, res.body, tc.field); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q next to %s, want %q", tc.name, got, tc.field, tc.want)
		}
		if input := field(t, res.body, tc.field); !invalid(input) {
			t.Errorf("%s: %s is not marked invalid: %s", tc.name, tc.field, input.HTML())
		}
		if !strings.Contains(doc(t, res.body).One("#erreurs").Text(), "L'utilisateur n'a pas été ajouté.") ||
			!slices.Contains(hrefs(t, res.body, "#erreurs"), "#"+tc.field) {
			t.Errorf("%s: no summary linking to the field", tc.name)
		}
		// What was typed comes back, passwords excepted.
		if field(t, res.body, "u-nom").Attr("value") != tc.form.Get("nom") {
			t.Errorf("%s: the name is not kept", tc.name)
		}
		if pw := tc.form.Get("nouveau"); pw != "" && typed(t, res.body, pw) {
			t.Errorf("%s: a password is written back in the page", tc.name)
		}
		if n := e.userCount(); n != 2 {
			t.Fatalf("%s: %d users, want 2: something was saved", tc.name, n)
		}
	}
	res := d.post("/utilisateurs/nouveau", userForm("nouvelle", "Autre Personne", "", newPassword, newPassword))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldErr(t, res.body, "u-role"), "Choisissez un rôle") {
		t.Errorf("no role: status %d", res.StatusCode)
	}
	if u, _ := e.user("direction"); u.Name != "Rémy Milord" || !u.Direction {
		t.Errorf("the taken login's user was changed: %+v", u)
	}
}

func TestUsersUpdate(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.addUser("adjoint", "Alice Adjointe", true)
	d := e.signedIn("direction")
	a := e.signedIn("adjoint")
	sec := e.signedIn("secretariat")
	adjID, secID := e.userID("adjoint"), e.userID("secretariat")

	page := d.get("/utilisateurs/" + adjID)
	if page.StatusCode != http.StatusOK || field(t, page.body, "u-nom").Attr("value") != "Alice Adjointe" ||
		!checked(field(t, page.body, "u-role-direction")) {
		t.Fatalf("GET the user's page: status %d\n%s", page.StatusCode, page.body)
	}
	if res := a.get("/parametres"); res.StatusCode != http.StatusOK {
		t.Fatalf("the deputy before the change: status %d", res.StatusCode)
	}

	// Rename and demote the deputy.
	res := d.post("/utilisateurs/"+adjID, url.Values{"nom": {"Alice Dubois"}, "role": {"secretariat"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/utilisateurs" {
		t.Fatalf("update: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if list := d.follow(res); !flashed(t, list.body, "Utilisateur « adjoint » modifié.") {
		t.Errorf("no flash after the change")
	}
	if u, _ := e.user("adjoint"); u.Name != "Alice Dubois" || u.Direction {
		t.Errorf("stored: %+v", u)
	}
	// The demoted user keeps the session but loses the right at once.
	if res := a.get("/parametres"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the demoted user: GET /parametres status %d, want 403", res.StatusCode)
	}
	if res := a.get("/utilisateurs"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the demoted user: GET /utilisateurs status %d, want 403", res.StatusCode)
	}
	if list := a.get("/"); list.StatusCode != http.StatusOK || slices.Contains(hrefs(t, list.body, "header"), "/utilisateurs") {
		t.Errorf("the demoted user: list status %d, or still the link", list.StatusCode)
	}

	// Promote the secretariat user.
	if res := d.post("/utilisateurs/"+secID, url.Values{"nom": {"Sophie Secrétaire"}, "role": {"direction"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote: status %d", res.StatusCode)
	}
	if res := sec.get("/parametres"); res.StatusCode != http.StatusOK {
		t.Errorf("the promoted user: GET /parametres status %d", res.StatusCode)
	}

	// Errors: nothing saved.
	res = d.post("/utilisateurs/"+adjID, url.Values{"nom": {" "}, "role": {"chef"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad update: status %d", res.StatusCode)
	}
	if !strings.HasPrefix(fieldErr(t, res.body, "u-nom"), "Indiquez le nom") || !strings.HasPrefix(fieldErr(t, res.body, "u-role"), "Choisissez un rôle") ||
		!has(t, res.body, "L'utilisateur n'a pas été modifié.") {
		t.Errorf("bad update: the page lacks the errors:\n%s", res.body)
	}
	if u, _ := e.user("adjoint"); u.Name != "Alice Dubois" || u.Direction {
		t.Errorf("a refused update changed the user: %+v", u)
	}
	if res := d.post("/utilisateurs/999999", url.Values{"nom": {"X"}, "role": {"direction"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: status %d, want 404", res.StatusCode)
	}
}

func TestUsersLastDirection(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	id := e.userID("direction")
	res := d.post("/utilisateurs/"+id, url.Values{"nom": {"Rémy Milord"}, "role": {"secretariat"}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("demoting the last director: status %d, want 409\n%s", res.StatusCode, res.body)
	}
	want := "L'école doit garder au moins un utilisateur de la direction : donnez d'abord ce droit à quelqu'un d'autre."
	if !has(t, res.body, want) {
		t.Errorf("the page lacks %q:\n%s", want, res.body)
	}
	if u, _ := e.user("direction"); !u.Direction {
		t.Fatal("the last director lost the right")
	}
	if res := d.get("/utilisateurs"); res.StatusCode != http.StatusOK {
		t.Errorf("after the refusal: status %d", res.StatusCode)
	}

	// With another director, one may step down, and lands on the list.
	e.addUser("adjoint", "Alice Adjointe", true)
	res = d.post("/utilisateurs/"+id, url.Values{"nom": {"Rémy Milord"}, "role": {"secretariat"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("stepping down: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := d.get("/utilisateurs"); res.StatusCode != http.StatusForbidden {
		t.Errorf("after stepping down: status %d, want 403", res.StatusCode)
	}
}

func TestUsersResetPassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	sec := e.signedIn("secretariat")
	secID, dirID := e.userID("secretariat"), e.userID("direction")
	before := e.passwordHash("secretariat")

	page := d.get("/utilisateurs/" + secID)
	if !hasForm(t, page.body, "/utilisateurs/"+secID+"/mot-de-passe") {
		t.Fatalf("the user's page lacks the reset form")
	}
	for _, tc := range []struct {
		name, pw, again, field, want string
	}{
		{"differ", newPassword, newPassword + "x", "u-confirmation", "Les deux nouveaux mots de passe diffèrent"},
		{"too short", "court", "court", "u-nouveau", "Le mot de passe doit compter au moins 10 caractères."},
	} {
		res := d.post("/utilisateurs/"+secID+"/mot-de-passe", url.Values{"nouveau": {tc.pw}, "confirmation": {tc.again}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(t, res.body, tc.field), tc.want) {
			t.Errorf("%s: status %d, or no %q next to %s", tc.name, res.StatusCode, tc.want, tc.field)
		}
		if typed(t, res.body, tc.pw) {
			t.Errorf("%s: a password is written back", tc.name)
		}
		if e.passwordHash("secretariat") != before || signedOut(sec) {
			t.Fatalf("%s: the password changed or the session ended", tc.name)
		}
	}

	res := d.post("/utilisateurs/"+secID+"/mot-de-passe", url.Values{"nouveau": {newPassword}, "confirmation": {newPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: status %d\n%s", res.StatusCode, res.body)
	}
	if list := d.follow(res); !flashed(t, list.body, "Mot de passe de « secretariat » remplacé.") {
		t.Errorf("no flash after the reset")
	}
	if !signedOut(sec) {
		t.Error("the user's open session survived the reset")
	}
	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password: status %d, want 401", res.StatusCode)
	}
	if res := e.client().signIn("secretariat", newPassword); res.StatusCode != http.StatusSeeOther {
		t.Errorf("new password: status %d, want 303", res.StatusCode)
	}
	if signedOut(d) {
		t.Error("the director's session was ended")
	}

	// One's own password stays on « Mon mot de passe ».
	if own := d.get("/utilisateurs/" + dirID); doc(t, own.body).Has(`form[action$="/mot-de-passe"]`) {
		t.Errorf("the user's own page offers the reset form")
	}
	res = d.post("/utilisateurs/"+dirID+"/mot-de-passe", url.Values{"nouveau": {newPassword}, "confirmation": {newPassword}})
	if res.StatusCode != http.StatusConflict || !has(t, res.body, "Mon mot de passe") {
		t.Errorf("own reset: status %d, want 409", res.StatusCode)
	}
	if res := e.client().signIn("direction", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the director's password changed: status %d", res.StatusCode)
	}
}

func TestUsersDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	sec := e.signedIn("secretariat")
	secID := e.userID("secretariat")

	page := d.get("/utilisateurs/" + secID + "/supprimer")
	if page.StatusCode != http.StatusOK || !has(t, page.body, "Supprimer l'utilisateur secretariat ?") {
		t.Fatalf("confirmation page: status %d\n%s", page.StatusCode, page.body)
	}
	if !hasForm(t, page.body, "/utilisateurs/"+secID+"/supprimer") {
		t.Errorf("the confirmation page lacks its form")
	}
	if _, ok := e.user("secretariat"); !ok || signedOut(sec) {
		t.Fatal("the confirmation page removed the user")
	}

	res := d.post("/utilisateurs/"+secID+"/supprimer", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/utilisateurs" {
		t.Fatalf("delete: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	list := d.follow(res)
	if !flashed(t, list.body, "Utilisateur « secretariat » supprimé.") || slices.Contains(doc(t, list.body).Texts("table.users tbody td:first-child"), "secretariat") {
		t.Errorf("the list lacks the flash or still shows the user")
	}
	if _, ok := e.user("secretariat"); ok {
		t.Fatal("the user is still stored")
	}
	if !signedOut(sec) {
		t.Error("the removed user's open session survived")
	}
	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the removed user signs in: status %d", res.StatusCode)
	}
	if res := d.get("/utilisateurs/" + secID + "/supprimer"); res.StatusCode != http.StatusNotFound {
		t.Errorf("removed user's page: status %d, want 404", res.StatusCode)
	}
	if res := d.post("/utilisateurs/"+secID+"/supprimer", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("removing again: status %d, want 404", res.StatusCode)
	}
}

func TestUsersCannotRemoveSelf(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.addUser("adjoint", "Alice Adjointe", true) // the store would allow it
	d := e.signedIn("direction")
	id := e.userID("direction")
	const want = "Vous ne pouvez pas supprimer votre propre compte."
	if res := d.get("/utilisateurs/" + id + "/supprimer"); res.StatusCode != http.StatusConflict || !has(t, res.body, want) {
		t.Errorf("GET: status %d, want 409 with %q", res.StatusCode, want)
	}
	if res := d.post("/utilisateurs/"+id+"/supprimer", nil); res.StatusCode != http.StatusConflict || !has(t, res.body, want) {
		t.Errorf("POST: status %d, want 409 with %q", res.StatusCode, want)
	}
	if _, ok := e.user("direction"); !ok || signedOut(d) {
		t.Fatal("the director removed themselves")
	}
}

func TestUsersCSRF(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.signedIn("direction")
	secID := e.userID("secretariat")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/utilisateurs/nouveau", userForm("intrus", "Intrus", "direction", newPassword, newPassword)},
		{"/utilisateurs/" + secID, url.Values{"nom": {"X"}, "role": {"direction"}}},
		{"/utilisateurs/" + secID + "/mot-de-passe", url.Values{"nouveau": {newPassword}, "confirmation": {newPassword}}},
		{"/utilisateurs/" + secID + "/supprimer", url.Values{}},
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+tc.path, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := d.do(req); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s without token: status %d, want 403", tc.path, res.StatusCode)
		}
		form := url.Values{}
		for k, v := range tc.form {
			form[k] = v
		}
		form.Set("csrf", "forged")
		if res := d.post(tc.path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s with a forged token: status %d, want 403", tc.path, res.StatusCode)
		}
	}
	if n := e.userCount(); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
	if u, _ := e.user("secretariat"); u.Name != "Sophie Secrétaire" || u.Direction {
		t.Errorf("the user was changed: %+v", u)
	}
	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the password was changed: status %d", res.StatusCode)
	}
}
